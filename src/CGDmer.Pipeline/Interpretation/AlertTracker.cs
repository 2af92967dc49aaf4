using CGDmer.Contracts;
using CGDmer.Pipeline.Inference;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal;

namespace CGDmer.Pipeline.Interpretation;

/// <summary>
/// Per-patient alert state machine for every alert code, clinical and technical. Each code of each patient is, per window,
/// in one of: idle (no state held), pending (a run of windows with the condition, not yet long enough), active, or
/// refractory (recently ended; restarts are held back). Windows must arrive in ECG-time order per patient (the window
/// stage's order); a window not later than the patient's previous one is ignored for alerting.
/// </summary>
/// <remarks>
/// <para><b>Persistence.</b> An alert starts when its condition held in <c>N</c> consecutive counted windows
/// (<see cref="InterpretationOptions.OnsetWindows"/> / <see cref="InterpretationOptions.TechnicalOnsetWindows"/>).
/// Onset time = start of the first window of that run (ECG time); the onset event names the Observations of the run's
/// first N windows.</para>
/// <para><b>Hysteresis.</b> A clinical alert counts a window as "below" only under the lower end threshold; it ends after
/// <c>M</c> consecutive below windows. End time = start of the first window of that closing run: that window shows no
/// condition over its whole span, so the condition was over by then; the last "above" window overlaps it and would
/// overstate the episode. This choice also makes consecutive alerts of one code never overlap.</para>
/// <para><b>Held windows.</b> Windows without clinical evidence (no signal, poor signal, failed inference) neither extend
/// nor break a clinical run: every clinical state holds. On a no-signal window lead_off and poor_signal hold as well
/// (no_signal is the one alert for that window; two alarms for one cause are noise).</para>
/// <para><b>Refractory.</b> After an end, the same code does not emit an onset until the observing window's end is the
/// refractory period past the end time; the run keeps accumulating and its onset is its true start. High-priority clinical
/// codes are exempt by default (<see cref="InterpretationOptions.RefractoryExemptPriority"/>).</para>
/// <para><b>What alerts.</b> Labels with a priority (<see cref="LabelPolicy.Priority"/>); a label withheld as unvalidated
/// has none, so it never raises or holds an alert whatever its probability. A heart-rate label (sinus bradycardia or
/// tachycardia, <see cref="InterpretationOptions.HeartRateFindings"/>) counts a window as above when its finding is
/// present (sinus rhythm with the measured rate out of range) and below otherwise, with the same persistence; its events
/// carry the sinus rhythm probability, the model's part in that finding.</para>
/// <para><b>Memory.</b> State is held only for codes that are pending, active or refractory, and a patient without any
/// is forgotten; <see cref="DropPatient"/> forgets one explicitly. Not thread-safe: one instance per stream.</para>
/// <para><b>Checkpoints.</b> Given an <see cref="IAlertCheckpointSource"/>, the tracker reports each window's change of a
/// patient's state (<see cref="Track(AnalyzedWindow, WindowAssessment, out AlertCheckpoint?)"/>; only a change of
/// the alert codes counts, not of the last window's time or probability) and, when it first sees a patient after the
/// source was loaded, takes that patient's stored checkpoint if it is later than what it holds: after a restart or a
/// rebalance the patient's alerts go on where the acknowledged outputs left them.</para>
/// </remarks>
public sealed class AlertTracker
{
    private const int NoSignalSlot = 0, LeadOffSlot = 1, PoorSignalSlot = 2;
    private const int HeartRateHighSlot = 3, HeartRateLowSlot = 4, AsystoleSlot = 5, FirstClinicalSlot = 6;

    private readonly Interpreter _interpreter;
    private readonly InterpretationOptions _o;
    private readonly string _modelName;
    private readonly string _modelVersion;
    private readonly LabelPolicy[] _alerting;          // clinical labels with a priority, model order
    private readonly AlertPriority?[] _heartRatePriority = new AlertPriority?[3];   // by slot − HeartRateHighSlot; null: off
    private readonly Dictionary<string, PatientState> _patients = new(StringComparer.Ordinal);
    private readonly IAlertCheckpointSource? _checkpoints;
    // The last window of a patient whose state was cleared: a stored checkpoint older than that is stale (the cleared one
    // may not have been stored yet when the checkpoints were loaded). Bounded like the window stage's patients.
    private readonly Dictionary<string, DateTimeOffset> _clearedAt = new(StringComparer.Ordinal);
    private const int MaxClearedPatients = 100_000;

    public AlertTracker(Interpreter interpreter, IAlertCheckpointSource? checkpoints = null)
    {
        ArgumentNullException.ThrowIfNull(interpreter);
        _interpreter = interpreter;
        _checkpoints = checkpoints;
        _o = interpreter.Options;
        _modelName = interpreter.Metadata.ModelName;
        _modelVersion = interpreter.Metadata.ModelVersion;
        _alerting = interpreter.Policies.Where(p => p.Priority is not null).ToArray();
        for (int i = 0; i < _heartRatePriority.Length; i++)
            if (_o.HeartRateAlarms.TryGetValue(AlertVocabulary.HeartRateCodes[i], out var p) && InterpretationOptions.TryParsePriority(p, out var priority))
                _heartRatePriority[i] = priority;
    }

    public Interpreter Interpreter => _interpreter;

    /// <summary>Patients for which some alert state is held.</summary>
    public int PatientCount => _patients.Count;

    /// <summary>Code states held over all patients (pending, active or refractory): the tracker's memory.</summary>
    public int StateCount
    {
        get { int n = 0; foreach (var p in _patients.Values) n += p.Codes.Count; return n; }
    }

    /// <summary>Codes of the patient's active alerts, technical first, then clinical in model order.</summary>
    public IReadOnlyList<string> ActiveCodes(string patientId)
    {
        if (!_patients.TryGetValue(patientId, out var ps)) return [];
        var codes = new List<string>();
        foreach (var c in ps.Codes.OrderBy(c => c.Slot))
            if (c.Phase == Phase.Active) codes.Add(CodeOf(c.Slot));
        return codes;
    }

    /// <summary>
    /// Advances the patient's alert states by one window and returns the events it caused (technical codes first, then
    /// clinical ones in model order; at most one event per code).
    /// </summary>
    public IReadOnlyList<AlertEvent> Track(AnalyzedWindow analyzed, WindowAssessment assessment) => Track(analyzed, assessment, out _);

    /// <summary>
    /// As <see cref="Track(AnalyzedWindow, WindowAssessment)"/>; with a checkpoint source, <paramref name="update"/> is the
    /// patient's changed state after this window (without codes: the patient holds none any more), or null when the
    /// window changed nothing a checkpoint holds.
    /// </summary>
    public IReadOnlyList<AlertEvent> Track(AnalyzedWindow analyzed, WindowAssessment assessment, out AlertCheckpoint? update)
    {
        ArgumentNullException.ThrowIfNull(analyzed);
        ArgumentNullException.ThrowIfNull(assessment);
        update = null;
        var w = analyzed.Window;
        _patients.TryGetValue(w.PatientId, out var ps);
        bool restored = false;
        if (_checkpoints?.Take(w.PatientId) is { } stored && IsNewer(stored, ps))
        {
            ps = Restore(stored);
            restored = true;
            if (ps.Codes.Count > 0) _patients[w.PatientId] = ps;
            else
            {
                // Another instance ended this patient's alerts (or a code is no longer alerted on): nothing is held.
                _patients.Remove(w.PatientId);
                MarkCleared(w.PatientId, stored.LastWindowStart);
                ps = null;
            }
        }
        if (ps is not null && w.Start <= ps.LastWindowStart) return []; // replay or reordering: never move state backwards
        // Likewise for a patient whose state was cleared at a later window (here, or by another instance before a restart).
        if (ps is null && _checkpoints is not null && _clearedAt.TryGetValue(w.PatientId, out var clearedAt) && w.Start <= clearedAt) return [];
        bool hadState = ps is not null;

        var ctx = new Step(w, ps) { Dirty = restored };
        bool noSignal = w.Status == WindowStatus.NoSignal;

        // Technical conditions. On a no-signal window only no_signal counts; the other two hold.
        Advance(ref ctx, NoSignalSlot, noSignal ? Level.Above : Level.Below, LeadMask(NoSignalLeads(w)), 0);
        Advance(ref ctx, LeadOffSlot, noSignal ? Level.Hold : w.MissingLeads.Count > 0 ? Level.Above : Level.Below,
                LeadMask(w.MissingLeads), 0);
        // Silence with the leads attached is the asystole alarm's evidence, not poor quality (when that alarm is on).
        var rates = HeartRateLevels(analyzed, assessment);
        bool asystoleCause = rates.Asystole == Level.Above && _heartRatePriority[AsystoleSlot - HeartRateHighSlot] is not null;
        Advance(ref ctx, PoorSignalSlot,
                noSignal ? Level.Hold : assessment.Evidence == ClinicalEvidence.PoorSignal && !asystoleCause ? Level.Above : Level.Below,
                PoorSignalLeads(analyzed), 0);

        for (int slot = HeartRateHighSlot; slot <= AsystoleSlot; slot++)
        {
            if (_heartRatePriority[slot - HeartRateHighSlot] is null) continue;
            var (level, bpm) = slot == HeartRateHighSlot ? (rates.High, rates.HighBpm)
                : slot == HeartRateLowSlot ? (rates.Low, rates.LowBpm)
                : (rates.Asystole, (double?)null);
            Advance(ref ctx, slot, level, 0, 0, bpm);
        }

        // Clinical conditions: only windows with evidence count; the others hold every clinical state.
        var probabilities = assessment.IsClinicallyUsable ? analyzed.Probabilities : null;
        int rhythm = probabilities is null ? -1 : _interpreter.RhythmWinner(probabilities);
        for (int i = 0; i < _alerting.Length; i++)
        {
            var policy = _alerting[i];
            if (probabilities is null) { Advance(ref ctx, FirstClinicalSlot + policy.Index, Level.Hold, 0, 0); continue; }
            if (policy.Basis == FindingBasis.HeartRate)
            {
                // The rate decides, not the label's probability: the finding as the interpreter found it.
                bool present = policy.Index < assessment.Findings.Count && assessment.Findings[policy.Index].Present;
                int sinus = _interpreter.SinusRhythmIndex;
                bool inSinus = sinus >= 0 && sinus < assessment.Findings.Count && assessment.Findings[sinus].Present;
                var rateLevel = present ? Level.Above
                    : inSinus && _interpreter.WithinHeartRateHysteresis(policy.Index, analyzed.Measurement.HeartRateBpm) ? Level.Between
                    : Level.Below;
                Advance(ref ctx, FirstClinicalSlot + policy.Index, rateLevel, 0, sinus >= 0 ? probabilities[sinus] : 0f);
                continue;
            }
            float p = probabilities[policy.Index];
            var level = p >= policy.OnsetThreshold ? Level.Above : p < policy.EndThreshold ? Level.Below : Level.Between;
            // A rhythm that passes its threshold but loses to a more probable exclusive rhythm counts as absent: the window
            // says the heart is in the other rhythm. Persistence and hysteresis still apply, so one ambiguous window
            // neither starts nor ends anything, and two rhythm alarms are never active for one rhythm.
            if (level != Level.Below && _interpreter.IsExclusiveRhythm(policy.Index) && rhythm >= 0 && policy.Index != rhythm) level = Level.Below;
            Advance(ref ctx, FirstClinicalSlot + policy.Index, level, 0, p);
        }

        ps = ctx.Patient;
        if (ps is not null)
        {
            if (ps.Codes.Count == 0)
            {
                _patients.Remove(w.PatientId);
                if (_checkpoints is not null)
                {
                    MarkCleared(w.PatientId, w.Start);
                    if (hadState || restored)
                        update = new AlertCheckpoint
                        {
                            PatientId = w.PatientId, LastWindowStart = w.Start, LastWindowEnd = w.End, LastDeviceId = w.DeviceId, Codes = [],
                        };
                }
            }
            else
            {
                ps.LastWindowStart = w.Start;
                ps.LastWindowEnd = w.End;
                ps.LastDeviceId = w.DeviceId;
                if (probabilities is not null) { ps.LastEvidenceStart = w.Start; ps.LastEvidenceEnd = w.End; }
                _patients.TryAdd(w.PatientId, ps);
                if (_checkpoints is not null && ctx.Dirty) update = ToCheckpoint(w.PatientId, ps);
            }
        }
        return (IReadOnlyList<AlertEvent>?)ctx.Events ?? [];
    }

    /// <summary>
    /// The window's findings as published (<see cref="InterpretationOptions.ConfirmAlertingFindings"/>): call after
    /// <see cref="Track(AnalyzedWindow, WindowAssessment, out AlertCheckpoint?)"/> for the same window. A present finding
    /// of an alerting label stays present only when its condition is confirmed: its alert is active, or its run has lasted
    /// the alert's onset windows (an onset held back by the refractory period still confirms). Otherwise it is marked
    /// <see cref="Finding.Unconfirmed"/> and not present. A window delivered again (after a rebalance, or late, and so left
    /// out by the tracker) is coded as at its first publication: confirmed only from the window whose count reached the
    /// onset windows on, never when older than the run. Returns <paramref name="findings"/> itself when nothing changes.
    /// </summary>
    public IReadOnlyList<Finding> Confirm(string patientId, DateTimeOffset windowStart, IReadOnlyList<Finding> findings)
    {
        ArgumentNullException.ThrowIfNull(patientId);
        ArgumentNullException.ThrowIfNull(findings);
        if (!_o.ConfirmAlertingFindings || findings.Count == 0) return findings;
        _patients.TryGetValue(patientId, out var ps);
        Finding[]? published = null;
        foreach (var policy in _alerting)
        {
            if (policy.Index >= findings.Count) continue;
            var f = findings[policy.Index];
            int slot = FirstClinicalSlot + policy.Index;
            if (!f.Present || Find(ps, slot) is { } st && st.ConfirmedFrom <= windowStart
                              && (st.Phase == Phase.Active || st.Phase == Phase.Pending && st.RunCount >= OnsetWindows(slot)))
                continue;
            published ??= [.. findings];
            published[policy.Index] = f with { Present = false, Unconfirmed = true };
        }
        return published ?? findings;
    }

    /// <summary>
    /// The heart-rate meter's conditions in one window (see <see cref="InterpretationOptions.HeartRateAlarms"/>), with the
    /// rate each alarm reports. They need the beats, not the model: a window whose inference failed still counts. A lead's
    /// beats are trusted when its quality is good or its two detectors agree; a rate alarm needs every trusted lead that
    /// shows a rate to agree (the lowest of them above the high limit, the highest under the low one), so that beats one
    /// lead misses, or noise it counts, do not sound an alarm. Asystole needs no beat in any present lead and quiet leads
    /// for the configured time (a flat line always). Without trusted beats the rates hold, as does asystole without its
    /// evidence.
    /// </summary>
    private (Level High, double? HighBpm, Level Low, double? LowBpm, Level Asystole) HeartRateLevels(AnalyzedWindow analyzed, WindowAssessment assessment)
    {
        var m = analyzed.Measurement;
        if (analyzed.Window.Status != WindowStatus.Analyzable) return (Level.Hold, null, Level.Hold, null, Level.Hold);
        double? lowest = null, highest = null;
        double sinceAnyBeat = double.PositiveInfinity;
        bool trusted = false;
        foreach (var lead in m.LeadRates)
        {
            sinceAnyBeat = Math.Min(sinceAnyBeat, lead.SecondsSinceLastBeat);
            if (!(lead.Sqi >= _o.PoorSignalQuality || lead.BeatAgreement >= _o.HeartRateEvidenceBeatAgreement)) continue;
            trusted = true;
            if (lead.RateAtEndBpm is not { } bpm) continue;
            lowest = Math.Min(lowest ?? bpm, bpm);
            highest = Math.Max(highest ?? bpm, bpm);
        }
        double silence = _o.AsystoleAfterSeconds;
        var asystole = m.IsFlatLine || (sinceAnyBeat >= silence && m.SecondsQuiet >= silence) ? Level.Above
            : trusted && sinceAnyBeat < silence ? Level.Below
            : Level.Hold;
        double h = _o.HeartRateHysteresisBpm;
        var high = lowest is not { } lo ? Level.Hold
            : lo > _o.HeartRateHighAboveBpm ? Level.Above : lo > _o.HeartRateHighAboveBpm - h ? Level.Between : Level.Below;
        var low = highest is not { } hi ? Level.Hold
            : hi < _o.HeartRateLowBelowBpm ? Level.Above : hi < _o.HeartRateLowBelowBpm + h ? Level.Between : Level.Below;
        return (high, lowest, low, highest, asystole);
    }

    /// <summary>The patient's state as a checkpoint, or null when it holds none.</summary>
    public AlertCheckpoint? Checkpoint(string patientId) =>
        _patients.TryGetValue(patientId, out var ps) && ps.Codes.Count > 0 ? ToCheckpoint(patientId, ps) : null;

    private void MarkCleared(string patientId, DateTimeOffset lastWindowStart)
    {
        if (_clearedAt.Count >= MaxClearedPatients) _clearedAt.Clear();
        _clearedAt[patientId] = lastWindowStart;
    }

    /// <summary>A stored checkpoint is taken when it is later than the state held (or the last window of a cleared patient).</summary>
    private bool IsNewer(AlertCheckpoint stored, PatientState? held)
    {
        if (held is not null) return stored.LastWindowStart > held.LastWindowStart;
        return !_clearedAt.TryGetValue(stored.PatientId, out var cleared) || stored.LastWindowStart > cleared;
    }

    private AlertCheckpoint ToCheckpoint(string patientId, PatientState ps)
    {
        var codes = new AlertCodeCheckpoint[ps.Codes.Count];
        int k = 0;
        foreach (var c in ps.Codes.OrderBy(c => c.Slot))
            codes[k++] = new AlertCodeCheckpoint
            {
                Kind = KindOf(c.Slot), Code = CodeOf(c.Slot),
                Phase = c.Phase switch { Phase.Pending => "pending", Phase.Active => "active", _ => "refractory" },
                RunStart = c.RunStart, RunCount = c.RunCount,
                RunWindowStarts = c.RunWindowStarts?.ToArray(), RunWindowEnds = c.RunWindowEnds?.ToArray(),
                LastEnd = c.LastEnd, AlertId = c.AlertId, Onset = c.Onset, BelowCount = c.BelowCount,
                FirstBelowStart = c.FirstBelowStart, LastEventAt = c.LastEventAt,
                LastReportedProbability = c.LastReportedProbability, LastProbability = c.LastProbability,
                LastHeartRateBpm = c.LastHeartRateBpm, ReportedLeads = c.ReportedLeads,
            };
        return new AlertCheckpoint
        {
            PatientId = patientId, LastWindowStart = ps.LastWindowStart, LastWindowEnd = ps.LastWindowEnd,
            LastDeviceId = ps.LastDeviceId, LastEvidenceStart = ps.LastEvidenceStart, LastEvidenceEnd = ps.LastEvidenceEnd,
            Codes = codes,
        };
    }

    /// <summary>The state a checkpoint describes; a code this tracker does not alert on (a changed model or policy) is left out.</summary>
    private PatientState Restore(AlertCheckpoint cp)
    {
        var ps = new PatientState
        {
            LastWindowStart = cp.LastWindowStart, LastWindowEnd = cp.LastWindowEnd, LastDeviceId = cp.LastDeviceId,
            LastEvidenceStart = cp.LastEvidenceStart, LastEvidenceEnd = cp.LastEvidenceEnd,
        };
        foreach (var c in cp.Codes)
        {
            if (SlotOf(c.Kind, c.Code) is not { } slot || Find(ps, slot) is not null) continue;
            var phase = c.Phase switch { "pending" => Phase.Pending, "active" => Phase.Active, "refractory" => Phase.Refractory, _ => (Phase?)null };
            if (phase is null) continue;
            var st = new CodeState(slot)
            {
                Phase = phase.Value, RunStart = c.RunStart, ConfirmedFrom = c.RunStart, RunCount = c.RunCount, LastEnd = c.LastEnd, AlertId = c.AlertId,
                Onset = c.Onset, BelowCount = c.BelowCount, FirstBelowStart = c.FirstBelowStart, LastEventAt = c.LastEventAt,
                LastReportedProbability = c.LastReportedProbability, LastProbability = c.LastProbability,
                LastHeartRateBpm = c.LastHeartRateBpm, ReportedLeads = c.ReportedLeads,
            };
            // A pending clinical run names the windows it counted; they are kept only when their number fits the options.
            int needed = OnsetWindows(slot);
            if (c.RunWindowStarts is { } s && c.RunWindowEnds is { } e && s.Count == needed && e.Count == needed)
            {
                st.RunWindowStarts = [.. s];
                st.RunWindowEnds = [.. e];
            }
            else if (NamesRunWindows(slot) && st.Phase == Phase.Pending)
            {
                // Without the run's windows the onset could not name them: the run starts again.
                st.Phase = Phase.Refractory;
                if (st.LastEnd is null) continue;
            }
            ps.Codes.Add(st);
        }
        return ps;
    }

    private int? SlotOf(string kind, string code)
    {
        if (kind == AlertVocabulary.Technical)
            return code == AlertVocabulary.NoSignal ? NoSignalSlot : code == AlertVocabulary.LeadOff ? LeadOffSlot
                 : code == AlertVocabulary.PoorSignal ? PoorSignalSlot : null;
        if (kind == AlertVocabulary.HeartRate)
        {
            for (int i = 0; i < AlertVocabulary.HeartRateCodes.Count; i++)
                if (AlertVocabulary.HeartRateCodes[i] == code) return _heartRatePriority[i] is not null ? HeartRateHighSlot + i : null;
            return null;
        }
        if (kind != AlertVocabulary.Clinical) return null;
        foreach (var p in _alerting)
            if (p.Label.Key == code) return FirstClinicalSlot + p.Index;
        return null;
    }

    /// <summary>
    /// Forgets a patient (discharge, device unassigned, eviction by the window stage). Active alerts are ended with the end
    /// of the patient's last window as end time, so consumers are not left with alerts that never end.
    /// </summary>
    public IReadOnlyList<AlertEvent> DropPatient(string patientId)
    {
        ArgumentNullException.ThrowIfNull(patientId);
        if (!_patients.Remove(patientId, out var ps)) return [];
        var events = new List<AlertEvent>();
        foreach (var c in ps.Codes.OrderBy(c => c.Slot))
        {
            if (c.Phase != Phase.Active) continue;
            string[] obs = NamesRunWindows(c.Slot) && ps.LastEvidenceStart is { } s && ps.LastEvidenceEnd is { } e
                ? [ObservationIds.Derive(patientId, ObservationIds.Findings, s, e, _modelVersion)]
                : [];
            // Inside a closing run the condition was already over at its first window; otherwise it lasted to the last data.
            var end = c.BelowCount > 0 ? c.FirstBelowStart : ps.LastWindowEnd;
            events.Add(MakeEvent(AlertVocabulary.End, c, patientId, ps.LastDeviceId, end, ps.LastWindowEnd,
                                 c.LastProbability, c.LastHeartRateBpm, c.ReportedLeads, obs));
        }
        return events;
    }

    // ---------------------------------------------------------------------------------------------------------------

    private enum Level { Hold, Above, Between, Below }
    private enum Phase { Pending, Active, Refractory }

    private sealed class PatientState
    {
        public readonly List<CodeState> Codes = new(2);
        public DateTimeOffset LastWindowStart;
        public DateTimeOffset LastWindowEnd;
        public string LastDeviceId = "";
        public DateTimeOffset? LastEvidenceStart, LastEvidenceEnd;
    }

    private sealed class CodeState(int slot)
    {
        public readonly int Slot = slot;
        public Phase Phase;
        // Pending run.
        public DateTimeOffset RunStart;
        public int RunCount;
        // The window whose count reached the onset windows: the run's first window published as confirmed. Restored from a
        // checkpoint it is the run's start (not stored): the transport publishes no window up to the checkpoint again.
        public DateTimeOffset ConfirmedFrom;
        public DateTimeOffset[]? RunWindowStarts;       // clinical: the first N counted windows of the run
        public DateTimeOffset[]? RunWindowEnds;
        // Refractory.
        public DateTimeOffset? LastEnd;
        // Active.
        public string AlertId = "";
        public DateTimeOffset Onset;
        public int BelowCount;
        public DateTimeOffset FirstBelowStart;
        public DateTimeOffset LastEventAt;
        public double LastReportedProbability;
        public double LastProbability;
        public double? LastHeartRateBpm;                  // heart-rate alarms
        public int ReportedLeads;                         // bit per Lead
    }

    /// <summary>What one <see cref="Track"/> call works on: the window, the patient (created on demand), the events.</summary>
    private struct Step(EcgWindow window, PatientState? patient)
    {
        public readonly EcgWindow Window = window;
        public PatientState? Patient = patient;
        public List<AlertEvent>? Events;
        /// <summary>Some code's state changed (what a checkpoint holds, beyond the last window and probability).</summary>
        public bool Dirty;
    }

    private void Advance(ref Step ctx, int slot, Level level, int leads, float probability, double? heartRate = null)
    {
        var w = ctx.Window;
        var st = Find(ctx.Patient, slot);
        bool modelFinding = NamesRunWindows(slot);
        if (level == Level.Hold) return;

        if (st is null || st.Phase != Phase.Active)
        {
            if (level != Level.Above)
            {
                if (st is null) return;
                // A pending run is broken; a refractory period that is over is forgotten.
                if (st.Phase == Phase.Pending) { st.Phase = Phase.Refractory; ctx.Dirty = true; }
                if (st.LastEnd is not { } last || w.End >= last + Refractory(slot)) { ctx.Patient!.Codes.Remove(st); ctx.Dirty = true; }
                return;
            }
            ctx.Dirty = true;   // a run starts or grows
            if (st is null)
            {
                ctx.Patient ??= new PatientState();
                st = new CodeState(slot) { Phase = Phase.Refractory };
                ctx.Patient.Codes.Add(st);
            }
            if (st.Phase != Phase.Pending)
            {
                st.Phase = Phase.Pending;
                st.RunStart = w.Start;
                st.RunCount = 0;
            }
            int needed = OnsetWindows(slot);
            if (modelFinding && st.RunCount < needed)
            {
                st.RunWindowStarts ??= new DateTimeOffset[needed];
                st.RunWindowEnds ??= new DateTimeOffset[needed];
                st.RunWindowStarts[st.RunCount] = w.Start;
                st.RunWindowEnds[st.RunCount] = w.End;
            }
            st.RunCount = Math.Min(st.RunCount + 1, int.MaxValue - 1);
            if (st.RunCount < needed) return;
            if (st.RunCount == needed) st.ConfirmedFrom = w.Start;
            if (st.LastEnd is { } end && !IsRefractoryExempt(slot) && w.End < end + Refractory(slot)) return;

            st.Phase = Phase.Active;
            st.Onset = st.RunStart;
            st.AlertId = AlertIds.Derive(w.PatientId, KindOf(slot), CodeOf(slot), st.Onset, modelFinding ? _modelVersion : null);
            st.BelowCount = 0;
            st.LastProbability = probability;
            st.LastHeartRateBpm = heartRate;
            st.ReportedLeads = leads;
            string[] obs = [];
            if (modelFinding)
            {
                obs = new string[needed];
                for (int i = 0; i < needed; i++)
                    obs[i] = ObservationIds.Derive(w.PatientId, ObservationIds.Findings, st.RunWindowStarts![i], st.RunWindowEnds![i], _modelVersion);
                st.RunWindowStarts = st.RunWindowEnds = null;
            }
            Emit(ref ctx, st, AlertVocabulary.Onset, null, probability, heartRate, leads, obs);
            return;
        }

        // Active.
        if (level == Level.Below)
        {
            ctx.Dirty = true;
            if (st.BelowCount == 0) st.FirstBelowStart = w.Start;
            st.BelowCount++;
            st.LastProbability = probability;
            st.LastHeartRateBpm = heartRate;
            if (st.BelowCount < EndWindows(slot)) return;
            Emit(ref ctx, st, AlertVocabulary.End, st.FirstBelowStart, probability, heartRate, st.ReportedLeads, CurrentObservation(w, modelFinding));
            if (Refractory(slot) > TimeSpan.Zero && !IsRefractoryExempt(slot))
            {
                st.Phase = Phase.Refractory;
                st.LastEnd = st.FirstBelowStart;
            }
            else ctx.Patient!.Codes.Remove(st);
            return;
        }

        // Above or between: still on. Updates keep consumers informed without one per window.
        if (st.BelowCount != 0) ctx.Dirty = true;
        st.BelowCount = 0;
        st.LastProbability = probability;
        st.LastHeartRateBpm = heartRate;
        var since = w.End - st.LastEventAt;
        bool changed = modelFinding
            ? Math.Abs(probability - st.LastReportedProbability) >= _o.UpdateProbabilityDelta
            : slot == LeadOffSlot && leads != 0 && leads != st.ReportedLeads;
        if (since >= _o.UpdateInterval || (changed && since >= _o.MinUpdateSpacing))
        {
            if (slot == LeadOffSlot && leads != 0) st.ReportedLeads = leads;
            Emit(ref ctx, st, AlertVocabulary.Update, null, probability, heartRate, st.ReportedLeads, CurrentObservation(w, modelFinding));
        }
    }

    private string[] CurrentObservation(EcgWindow w, bool modelFinding) =>
        modelFinding ? [ObservationIds.Derive(w.PatientId, ObservationIds.Findings, w.Start, w.End, _modelVersion)] : [];

    private void Emit(ref Step ctx, CodeState st, string evt, DateTimeOffset? end, float probability, double? heartRate, int leads, string[] obs)
    {
        var w = ctx.Window;
        ctx.Dirty = true;
        st.LastEventAt = w.End;
        st.LastReportedProbability = probability;
        (ctx.Events ??= new List<AlertEvent>(2)).Add(
            MakeEvent(evt, st, w.PatientId, w.DeviceId, end, w.End, probability, heartRate, leads, obs));
    }

    private AlertEvent MakeEvent(string evt, CodeState st, string patientId, string deviceId, DateTimeOffset? end,
                                 DateTimeOffset observedAt, double probability, double? heartRate, int leads, string[] obs)
    {
        bool clinical = st.Slot >= FirstClinicalSlot;
        bool rateAlarm = IsHeartRate(st.Slot);
        var policy = clinical ? _interpreter.Policies[st.Slot - FirstClinicalSlot] : null;
        string code = CodeOf(st.Slot);
        return new AlertEvent
        {
            AlertId = st.AlertId,
            Event = evt,
            Kind = KindOf(st.Slot),
            Code = code,
            SnomedCt = policy?.Label.SnomedCt ?? (rateAlarm ? AlertVocabulary.HeartRateSnomedCt(code) : null),
            Display = policy?.Label.Display ?? (rateAlarm ? AlertVocabulary.HeartRateDisplay(code) : AlertVocabulary.TechnicalDisplay(code)),
            PatientId = patientId,
            DeviceId = deviceId,
            Onset = st.Onset,
            End = end,
            ObservedAt = observedAt,
            // decimal keeps the float's shortest digits (0.87f → 0.87, not 0.8700000047683716).
            Probability = clinical ? (double)(decimal)(float)probability : null,
            // One decimal, as a monitor shows it; the rate is measured, not a model output.
            HeartRateBpm = rateAlarm && heartRate is { } bpm ? Math.Round(bpm, 1) : null,
            Leads = clinical || rateAlarm ? null : LeadNames(leads),
            Priority = AlertVocabulary.Name(PriorityOf(st.Slot)),
            ModelName = clinical ? _modelName : null,
            ModelVersion = clinical ? _modelVersion : null,
            ObservationIds = obs,
        };
    }

    private static CodeState? Find(PatientState? ps, int slot)
    {
        if (ps is null) return null;
        foreach (var c in ps.Codes) if (c.Slot == slot) return c;
        return null;
    }

    private static bool IsHeartRate(int slot) => slot is >= HeartRateHighSlot and <= AsystoleSlot;

    /// <summary>Physiological codes (model findings and heart-rate alarms): clinical refractory and priority exemption.</summary>
    private static bool IsPhysiological(int slot) => slot >= HeartRateHighSlot;

    /// <summary>Model findings: their events name the findings Observations of the windows they counted.</summary>
    private static bool NamesRunWindows(int slot) => slot >= FirstClinicalSlot;

    private int OnsetWindows(int slot) =>
        slot >= FirstClinicalSlot ? _o.OnsetWindows : IsHeartRate(slot) ? _o.HeartRateAlarmOnsetWindows : _o.TechnicalOnsetWindows;

    private int EndWindows(int slot) =>
        slot >= FirstClinicalSlot ? _o.EndWindows : IsHeartRate(slot) ? _o.HeartRateAlarmEndWindows : _o.TechnicalEndWindows;

    private static string KindOf(int slot) =>
        slot >= FirstClinicalSlot ? AlertVocabulary.Clinical : IsHeartRate(slot) ? AlertVocabulary.HeartRate : AlertVocabulary.Technical;

    private string CodeOf(int slot) => slot switch
    {
        NoSignalSlot => AlertVocabulary.NoSignal,
        LeadOffSlot => AlertVocabulary.LeadOff,
        PoorSignalSlot => AlertVocabulary.PoorSignal,
        < FirstClinicalSlot => AlertVocabulary.HeartRateCodes[slot - HeartRateHighSlot],
        _ => _interpreter.Policies[slot - FirstClinicalSlot].Label.Key,
    };

    private AlertPriority PriorityOf(int slot) => slot switch
    {
        NoSignalSlot => _o.NoSignalPriority,
        LeadOffSlot => _o.LeadOffPriority,
        PoorSignalSlot => _o.PoorSignalPriority,
        < FirstClinicalSlot => _heartRatePriority[slot - HeartRateHighSlot]!.Value,
        _ => _interpreter.Policies[slot - FirstClinicalSlot].Priority!.Value,
    };

    private TimeSpan Refractory(int slot) => IsPhysiological(slot) ? _o.ClinicalRefractory : _o.TechnicalRefractory;

    private bool IsRefractoryExempt(int slot) =>
        IsPhysiological(slot) && _o.RefractoryExemptPriority is { } exempt && PriorityOf(slot) >= exempt;

    private static int LeadMask(IReadOnlyList<Lead> leads)
    {
        int mask = 0;
        for (int i = 0; i < leads.Count; i++)
            if ((uint)leads[i] < Leads.Count) mask |= 1 << (int)leads[i];
        return mask;
    }

    private static IReadOnlyList<Lead> NoSignalLeads(EcgWindow w) => w.RecordedLeads.Count > 0 ? w.RecordedLeads : w.Geometry.LeadOrder;

    /// <summary>The lead the quality index was measured in, else the present leads, else all recorded ones.</summary>
    private static int PoorSignalLeads(AnalyzedWindow a)
    {
        if (a.Measurement.AnalysisLead is { } lead && (uint)lead < Leads.Count) return 1 << (int)lead;
        int present = LeadMask(a.Window.RecordedLeads) & ~LeadMask(a.Window.MissingLeads);
        if (present != 0) return present;
        int recorded = LeadMask(a.Window.RecordedLeads);
        return recorded != 0 ? recorded : LeadMask(a.Window.Geometry.LeadOrder);
    }

    private static string[] LeadNames(int mask)
    {
        var names = new string[System.Numerics.BitOperations.PopCount((uint)mask)];
        int k = 0;
        for (int i = 0; i < Leads.Count; i++)
            if ((mask & (1 << i)) != 0) names[k++] = Leads.Name((Lead)i);
        return names;
    }
}
