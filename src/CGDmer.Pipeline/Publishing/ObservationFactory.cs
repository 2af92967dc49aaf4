using System.Globalization;
using CGDmer.Contracts;
using CGDmer.Contracts.Model;
using CGDmer.Pipeline.Interpretation;
using CGDmer.Pipeline.Measurement;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal;
using Hl7.Fhir.Model;

namespace CGDmer.Pipeline.Publishing;

/// <summary>One FHIR Observation built for a window, with its kind (<see cref="ObservationIds.HeartRate"/> or <see cref="ObservationIds.Findings"/>).</summary>
public sealed record PublishedObservation(string Kind, Observation Resource)
{
    public string Id => Resource.Id!;
}

/// <summary>
/// Builds the FHIR R4 Observations of one interpreted window. Pure and deterministic: the same window, model and
/// options give the same resources (no wall-clock <c>issued</c>, ids from <see cref="ObservationIds"/>), so replaying a
/// stream re-publishes identical resources.
/// </summary>
/// <remarks>
/// Decisions (see Publishing/README.md):
/// <list type="bullet">
/// <item>NoSignal windows (all leads off, gaps, silence) yield nothing: the technical alerts report them.</item>
/// <item>Heart rate (LOINC 8867-4, vital-signs heart-rate profile) when the measurement has a finite, positive heart
/// rate and the interpret stage did not suppress the window for poor signal: a rate measured in an artefact-ridden
/// window is not charted as a vital sign. It conforms to the heart-rate profile, so it has no components.</item>
/// <item>EKG impression (LOINC 8601-7) when the window has findings: the present findings' SNOMED CT codes (each followed by its MDC event code where IEEE 11073-10101 has one) as the value
/// (or the project code <c>no-finding-above-threshold</c> when none passes its threshold: the model did give a result,
/// so this is a value, not an absent one; <c>finding-awaiting-confirmation</c> when one passed in this window but its
/// persistence has not confirmed it), and one component per model label with its probability (UCUM "1") and
/// DET/ND interpretation (IND for a finding awaiting confirmation), in the model's label order, followed by the
/// measurement components (project codes: signal quality index, beat count, RR irregularity, analysis lead) that
/// qualify the interpretation. Only present findings are
/// coded in the value: a label withheld as unvalidated never is, and its component has its probability but no DET/ND;
/// a heart-rate finding (sinus brady-/tachycardia) is DET/ND by the measured rate, next to the model's probability.</item>
/// <item>When findings were suppressed (poor signal) and <see cref="PublishingOptions.PublishSuppressedFindings"/>:
/// an EKG impression without value and with <c>dataAbsentReason = error</c>, text naming the reason.</item>
/// </list>
/// </remarks>
public sealed class ObservationFactory
{
    public const string Loinc = "http://loinc.org";
    public const string SnomedCt = "http://snomed.info/sct";
    public const string Ucum = "http://unitsofmeasure.org";
    public const string Mdc = "urn:iso:std:iso:11073:10101";
    public const string ObservationCategorySystem = "http://terminology.hl7.org/CodeSystem/observation-category";
    public const string InterpretationSystem = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";
    public const string DataAbsentReasonSystem = "http://terminology.hl7.org/CodeSystem/data-absent-reason";
    public const string HeartRateProfile = "http://hl7.org/fhir/StructureDefinition/heartrate";

    public const string HeartRateLoinc = "8867-4";
    public const string HeartRateMdc = "147842";
    public const string EkgImpressionLoinc = "8601-7";

    /// <summary>
    /// Codes of the project code system (<see cref="PublishingOptions.ProjectCodeSystem"/>), with their displays: the
    /// FHIR Observations and the HL7 v2 messages code the same things the same way.
    /// </summary>
    public static class ProjectCodes
    {
        public const string NoFinding = "no-finding-above-threshold";
        /// <summary>No present finding, but an alerting one passed its threshold in this window alone (not yet confirmed).</summary>
        public const string AwaitingConfirmation = "finding-awaiting-confirmation";
        public const string SignalQuality = "signal-quality-index";
        public const string RrIrregularity = "rr-irregularity";
        public const string BeatCount = "beat-count";
        public const string AnalysisLead = "analysis-lead";

        /// <summary>The display of a code above.</summary>
        /// <exception cref="ArgumentException"><paramref name="code"/> is not one of them.</exception>
        public static string Display(string code) => code switch
        {
            NoFinding => "No finding above its decision threshold",
            AwaitingConfirmation => "A finding passed its threshold in this window but is not yet confirmed by persistence",
            SignalQuality => "Signal quality index (0 unusable .. 1 clean)",
            RrIrregularity => "RR interval irregularity",
            BeatCount => "QRS complexes detected in the window",
            AnalysisLead => "Lead the beats were detected in",
            _ => throw new ArgumentException($"'{code}' is not a code of the project code system", nameof(code)),
        };

        /// <summary>
        /// The EKG impression's value when none of <paramref name="findings"/> is present: awaiting confirmation when one
        /// passed its threshold unconfirmed, otherwise no finding.
        /// </summary>
        public static string EmptyImpression(IReadOnlyList<Finding> findings)
        {
            foreach (var f in findings)
                if (f.Unconfirmed) return AwaitingConfirmation;
            return NoFinding;
        }
    }

    private readonly PublishingOptions _options;
    private readonly ModelMetadata _model;
    private readonly ResourceReference _modelDevice;
    private readonly string _method;

    // Parts that are the same in every Observation, built once per factory (from the options and the model) instead
    // of per window. Firely's serializer and validator only read them, and the service only serializes what it
    // publishes, so the resources share them: treat published resources as read-only (DeepCopy() one to change it).
    // They are frozen for the JSON writer (FhirJsonFastWriter.Freeze: their JSON is written once and copied).
    private readonly Meta _heartRateMeta = Shared(new Meta { Profile = [HeartRateProfile] });
    private readonly CodeableConcept _vitalSigns = Shared(Category("vital-signs", "Vital Signs"));
    private readonly CodeableConcept _procedure = Shared(Category("procedure", "Procedure"));
    private readonly CodeableConcept _heartRateCode = Shared(new CodeableConcept
    {
        Coding =
        [
            new Coding(Loinc, HeartRateLoinc, "Heart rate"),
            new Coding(Mdc, HeartRateMdc, "MDC_ECG_HEART_RATE"),
        ],
        Text = "Heart rate",
    });
    private readonly CodeableConcept _ekgImpressionCode = Shared(new CodeableConcept(Loinc, EkgImpressionLoinc, "EKG impression", "EKG impression"));
    private readonly CodeableConcept _methodConcept;
    private readonly CodeableConcept _detected = Shared(new CodeableConcept(InterpretationSystem, "DET", "Detected"));
    private readonly CodeableConcept _notDetected = Shared(new CodeableConcept(InterpretationSystem, "ND", "Not detected"));
    private readonly CodeableConcept _indeterminate = Shared(new CodeableConcept(InterpretationSystem, "IND", "Indeterminate"));
    private readonly CodeableConcept _notANumber = Shared(new CodeableConcept(DataAbsentReasonSystem, "not-a-number", "Not a Number (NaN)"));
    private readonly Coding _noFinding, _awaitingConfirmation;
    private readonly BoundedCache<string, ResourceReference> _subjects, _monitors;
    private readonly CodeableConcept _signalQualityCode, _beatCountCode, _rrIrregularityCode, _analysisLeadCode;
    // Per model label (in the model's order): the finding's SNOMED CT coding and its component code.
    private readonly Dictionary<LabelMetadata, (Coding Finding, CodeableConcept Component)> _labels;

    /// <param name="heldPatients">The most patients the pipeline holds at once (<see cref="Windowing.WindowingOptions.MaxPatients"/>):
    /// each patient's subject and monitor reference are kept for twice that many (at least
    /// <see cref="BoundedCache{TKey, TValue}.DefaultMaxEntries"/>), so that no mix of patients rebuilds them window after window.</param>
    public ObservationFactory(PublishingOptions options, ModelMetadata model, int heldPatients = 0)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegative(heldPatients);
        _options = options.Validate();
        _model = model;
        ModelDevice = DeviceFactory.ForModel(model, options);
        int kept = (int)Math.Clamp(2L * heldPatients, BoundedCache<string, ResourceReference>.DefaultMaxEntries, int.MaxValue);
        _subjects = new(NewSubject, StringComparer.Ordinal, kept);
        _monitors = new(NewMonitor, StringComparer.Ordinal, kept);
        Alerts = new AlertResourceFactory(_options, ModelDevice);
        _modelDevice = Shared(new ResourceReference("Device/" + ModelDevice.Id, $"{model.ModelName} {model.ModelVersion}"));
        _method = $"Automated ECG interpretation by the AI model {model.ModelName} {model.ModelVersion}; not reviewed by a clinician.";
        _methodConcept = Shared(new CodeableConcept { Text = _method });
        _noFinding = Shared(new Coding(_options.ProjectCodeSystem, ProjectCodes.NoFinding, ProjectCodes.Display(ProjectCodes.NoFinding)));
        _awaitingConfirmation = Shared(new Coding(_options.ProjectCodeSystem, ProjectCodes.AwaitingConfirmation,
                                                  ProjectCodes.Display(ProjectCodes.AwaitingConfirmation)));
        _signalQualityCode = ProjectCode(ProjectCodes.SignalQuality);
        _beatCountCode = ProjectCode(ProjectCodes.BeatCount);
        _rrIrregularityCode = ProjectCode(ProjectCodes.RrIrregularity);
        _analysisLeadCode = ProjectCode(ProjectCodes.AnalysisLead);
        // Keyed by the label record (value equality): the findings carry the model's labels.
        _labels = new Dictionary<LabelMetadata, (Coding, CodeableConcept)>();
        foreach (var l in model.Labels)
            _labels.TryAdd(l, (Shared(new Coding(SnomedCt, l.SnomedCt, l.Display)), Shared(new CodeableConcept(SnomedCt, l.SnomedCt, l.Display, l.Display))));
    }

    private CodeableConcept ProjectCode(string code)
    {
        string display = ProjectCodes.Display(code);
        return Shared(new CodeableConcept(_options.ProjectCodeSystem, code, display, display));
    }

    private static T Shared<T>(T element) where T : Base => FhirJsonFastWriter.Freeze(element);

    // The MDC event codes of the findings that have one, built once per label key.
    private static readonly Dictionary<string, Coding> MdcFindings = EcgLabels.All
        .Select(l => (l.Key, Mdc: CGDmer.Contracts.MdcCode.ForFinding(l.Key)))
        .Where(x => x.Mdc is not null)
        .ToDictionary(x => x.Key, x => Shared(new Coding(Mdc, x.Mdc!.Code.ToString(CultureInfo.InvariantCulture), x.Mdc.ReferenceId)));

    private static Coding? MdcFinding(LabelMetadata label) => MdcFindings.GetValueOrDefault(label.Key);

    /// <summary>The label's cached codes; built on the fly for a label the model does not list (a caller's own findings).</summary>
    private (Coding Finding, CodeableConcept Component) LabelCodes(LabelMetadata label) =>
        _labels.TryGetValue(label, out var codes)
            ? codes
            : (new Coding(SnomedCt, label.SnomedCt, label.Display), new CodeableConcept(SnomedCt, label.SnomedCt, label.Display, label.Display));

    public PublishingOptions Options => _options;
    public ModelMetadata Model => _model;

    /// <summary>The Device the findings Observations reference; publish it before them (it changes only with the model).</summary>
    public Device ModelDevice { get; }

    /// <summary>The alert events' FHIR resources, with the same options and model Device.</summary>
    public AlertResourceFactory Alerts { get; }

    /// <summary>The Observations of <paramref name="window"/>: none, heart rate, findings, or both (in that order).</summary>
    public IReadOnlyList<PublishedObservation> Create(InterpretedWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        var ecg = window.Analyzed.Window;
        if (!ecg.IsAnalyzable) return [];
        // Control characters pass the segment contract but no FHIR string may hold them: refuse rather than emit an
        // invalid resource (the publish operator turns this into a failed window; its alerts still go out).
        if (!IsFhirString(ecg.PatientId))
            throw new ArgumentException("the patient id is empty or holds characters a FHIR string cannot hold", nameof(window));
        if (!IsFhirString(ecg.DeviceId))
            throw new ArgumentException("the device id is empty or holds characters a FHIR string cannot hold", nameof(window));

        bool suppressed = window.ClinicalSuppressedReason is not null;
        var hr = suppressed || !_options.IsHeartRateWindow(ecg.Start) ? null : HeartRate(window);
        var findings = suppressed
            ? (_options.PublishSuppressedFindings ? SuppressedFindings(window) : null)
            : Findings(window);

        if (hr is null && findings is null) return [];
        if (hr is null) return [new PublishedObservation(ObservationIds.Findings, findings!)];
        if (findings is null) return [new PublishedObservation(ObservationIds.HeartRate, hr)];
        return [new PublishedObservation(ObservationIds.HeartRate, hr), new PublishedObservation(ObservationIds.Findings, findings)];
    }

    /// <summary>The heart-rate Observation, or null when the measurement has no (finite, positive) heart rate.</summary>
    public Observation? HeartRate(InterpretedWindow window)
    {
        var m = window.Analyzed.Measurement;
        if (m.HeartRateBpm is not { } bpm || !double.IsFinite(bpm) || bpm <= 0 || bpm > MaxDecimalMagnitude) return null;
        var ecg = window.Analyzed.Window;

        var obs = Base(ecg, ObservationIds.HeartRate);
        obs.Meta = _heartRateMeta;
        obs.Category = [_vitalSigns];
        obs.Code = _heartRateCode;
        // The acquisition device: the rate is measured from its ECG by this service's beat detector. A literal reference
        // to the monitor's Device (DeviceFactory.ForMonitor), and its identifier for readers without that resource.
        obs.Device = Monitor(ecg.DeviceId);
        obs.Value = new Quantity
        {
            Value = Round(bpm, 1), Unit = "beats/minute", System = Ucum, Code = "/min",
        };
        // No components: the heart-rate profile binds component values to vital-sign units (required), which signal
        // quality, beat count and RR irregularity are not. Those go with the EKG impression instead.
        return obs;
    }

    /// <summary>
    /// The EKG-impression Observation with the model's findings, or null when the window has none (not analyzable,
    /// inference failed, or suppressed: see <see cref="SuppressedFindings"/>).
    /// </summary>
    public Observation? Findings(InterpretedWindow window)
    {
        if (window.Findings.Count == 0 || window.ClinicalSuppressedReason is not null) return null;
        var obs = ImpressionBase(window);

        var value = new CodeableConcept();
        string? text = null, awaiting = null;
        foreach (var f in window.Findings)
        {
            if (f.Unconfirmed) awaiting = awaiting is null ? f.Label.Display : awaiting + "; " + f.Label.Display;
            if (!f.Present) continue;
            value.Coding.Add(LabelCodes(f.Label).Finding);
            // The same finding's IEEE 11073-10101 event code, where the nomenclature has one (AF, flutter, sinus brady-/tachycardia).
            if (MdcFinding(f.Label) is { } mdc) value.Coding.Add(mdc);
            text = text is null ? f.Label.Display : text + "; " + f.Label.Display;
        }
        if (value.Coding.Count == 0)
        {
            var empty = ProjectCodes.EmptyImpression(window.Findings) == ProjectCodes.AwaitingConfirmation ? _awaitingConfirmation : _noFinding;
            value.Coding.Add(empty);
            text = awaiting is null ? empty.Display : "Awaiting confirmation: " + awaiting;
        }
        value.Text = text;
        obs.Value = value;

        var components = new List<Observation.ComponentComponent>(window.Findings.Count + 4);
        foreach (var f in window.Findings) components.Add(FindingComponent(f));
        AddMeasurementComponents(window.Analyzed.Measurement, components);
        obs.Component = components;
        return obs;
    }

    /// <summary>
    /// The EKG impression of a window whose findings the interpret stage withheld (e.g. poor signal): no value,
    /// <c>dataAbsentReason = error</c>, the reason in its text. Null when the window was not suppressed.
    /// </summary>
    public Observation? SuppressedFindings(InterpretedWindow window)
    {
        if (window.ClinicalSuppressedReason is not { } reason) return null;
        var obs = ImpressionBase(window);
        obs.DataAbsentReason = new CodeableConcept(DataAbsentReasonSystem, "error", "Error",
            $"Not interpreted: {DescribeSuppression(reason)} ({reason}).");
        // The measurements explain the suppression (e.g. the signal quality index that was too low).
        var components = new List<Observation.ComponentComponent>(4);
        AddMeasurementComponents(window.Analyzed.Measurement, components);
        obs.Component = components;
        return obs;
    }

    private Observation ImpressionBase(InterpretedWindow window)
    {
        var ecg = window.Analyzed.Window;
        var obs = Base(ecg, ObservationIds.Findings);
        obs.Category = [_procedure];
        obs.Code = _ekgImpressionCode;
        obs.Device = _modelDevice;
        obs.Method = _methodConcept;
        obs.Note = [new Annotation { Text = LeadNote(ecg) }];
        return obs;
    }

    private readonly CodeableConcept _stripCode = Shared(new CodeableConcept
    {
        Coding = [new Coding(Mdc, "131328", "MDC_ECG_ELEC_POTL")],
        Text = "ECG strip at an alarm's onset",
    });

    /// <summary>
    /// The strip Observation of a window's alarm without its components (<see cref="AlarmStrips"/> adds one per lead):
    /// kind <see cref="ObservationIds.Strip"/>, the strip's period, the bedside monitor as device.
    /// </summary>
    public Observation StripBase(EcgWindow ecg, DateTimeOffset start, DateTimeOffset end)
    {
        ArgumentNullException.ThrowIfNull(ecg);
        return new Observation
        {
            Id = ObservationIds.Derive(ecg.PatientId, ObservationIds.Strip, start, end, _model.ModelVersion),
            Status = ObservationStatus.Final,
            Category = [_procedure],
            Code = _stripCode,
            Subject = Subject(ecg.PatientId),
            Effective = new Period { Start = AlertIds.FormatTime(start), End = AlertIds.FormatTime(end) },
            Device = Monitor(ecg.DeviceId),
            Method = new CodeableConcept
            {
                Text = $"The model's preprocessing ({_model.Preprocessing}) at {_model.SampleRateHz.ToString(CultureInfo.InvariantCulture)} Hz: the window that raised the alarm and the part of the previous window before it.",
            },
        };
    }

    private Observation Base(EcgWindow ecg, string kind)
    {
        var start = AlertIds.FormatTime(ecg.Start);
        var end = AlertIds.FormatTime(ecg.End);
        return new Observation
        {
            Id = ObservationIds.Derive(ecg.PatientId, kind, ecg.Start, ecg.End, _model.ModelVersion),
            Status = ObservationStatus.Final,
            Subject = Subject(ecg.PatientId),
            Effective = new Period { Start = start, End = end },
        };
    }

    // Each patient's subject and each monitor's device reference, kept and frozen as the other shared parts: every
    // window of a patient names them.
    private ResourceReference Subject(string patientId) => _subjects[patientId];

    private ResourceReference NewSubject(string patientId) => Shared(SubjectReference(patientId, _options));

    /// <summary>A patient as subject: the identifier, and a literal reference where the options ask for one and the id is a valid FHIR id.</summary>
    internal static ResourceReference SubjectReference(string patientId, PublishingOptions options)
    {
        var reference = new ResourceReference { Identifier = new Identifier(options.PatientIdentifierSystem, patientId) };
        if (options.PatientReference == PatientReferenceMode.Literal && Id.IsValidValue(patientId))
            reference.Reference = "Patient/" + patientId;
        return reference;
    }

    /// <summary>The acquisition monitor: a literal reference to its Device (DeviceFactory.ForMonitor) and its identifier.</summary>
    private ResourceReference Monitor(string deviceId) => _monitors[deviceId];

    private ResourceReference NewMonitor(string deviceId) => Shared(DeviceFactory.MonitorReference(deviceId, _options));

    private Observation.ComponentComponent FindingComponent(Finding f)
    {
        var c = new Observation.ComponentComponent { Code = LabelCodes(f.Label).Component };
        if (float.IsFinite(f.Probability))
        {
            c.Value = Probability(f.Probability);
            // A label withheld as unvalidated keeps its probability but is neither detected nor ruled out: the service
            // makes no claim about it (it is never in the value either, since it is never present).
            // A finding its persistence has not confirmed yet is neither detected nor ruled out: indeterminate.
            if (f.Basis != FindingBasis.Withheld) c.Interpretation = [f.Present ? _detected : f.Unconfirmed ? _indeterminate : _notDetected];
        }
        else
        {
            // A NaN from the model is no probability; say so instead of writing an invalid decimal.
            c.DataAbsentReason = _notANumber;
        }
        return c;
    }

    private void AddMeasurementComponents(WindowMeasurement m, List<Observation.ComponentComponent> list)
    {
        list.Add(ProjectComponent(_signalQualityCode,
            Ratio(double.IsNaN(m.SignalQuality) ? double.NaN : Math.Clamp(m.SignalQuality, 0, 1), 3)));
        list.Add(ProjectComponent(_beatCountCode,
            new Quantity { Value = m.BeatSamples.Count, Unit = "beats", System = Ucum, Code = "{beats}" }));
        if (m.RrIrregularity is { } rr && !double.IsNaN(rr) && rr >= 0)
            list.Add(ProjectComponent(_rrIrregularityCode, Ratio(rr, 3)));
        if (m.AnalysisLead is { } lead)
            list.Add(ProjectComponent(_analysisLeadCode, LeadConcepts[(int)lead]));
    }

    // One per lead, shared by every Observation (read-only, as the factory's other shared parts).
    private static readonly CodeableConcept[] LeadConcepts = Leads.StandardOrder.OrderBy(l => (int)l).Select(l => Shared(LeadConcept(l))).ToArray();

    /// <summary>A lead as its IEEE 11073-10101 code (MDC_ECG_LEAD_*), with the lead's usual name as text.</summary>
    public static CodeableConcept LeadConcept(Lead lead)
    {
        var mdc = CGDmer.Contracts.MdcCode.ForLead(lead);
        return new CodeableConcept(Mdc, mdc.Code.ToString(CultureInfo.InvariantCulture), mdc.ReferenceId, Leads.Name(lead));
    }

    private Observation.ComponentComponent ProjectComponent(CodeableConcept code, DataType? value)
    {
        var c = new Observation.ComponentComponent { Code = code };
        if (value is null) c.DataAbsentReason = _notANumber;
        else c.Value = value;
        return c;
    }

    /// <summary>FHIR R4 string: non-empty, characters from [\r\n\t\u0020-\uFFFF].</summary>
    internal static bool IsFhirString(string? value)
    {
        if (string.IsNullOrEmpty(value)) return false;
        foreach (char c in value)
            if (c < '\u0020' && c is not ('\r' or '\n' or '\t')) return false;
        return true;
    }

    private static string LeadNote(EcgWindow ecg)
    {
        var text = new System.Text.StringBuilder("Leads analysed: ", 96);
        int present = 0;
        foreach (var l in ecg.RecordedLeads)
        {
            if (ecg.MissingLeads.Contains(l)) continue;
            if (present++ > 0) text.Append(", ");
            text.Append(Leads.Name(l));
        }
        if (present == 0) text.Append("none");
        text.Append('.');
        if (ecg.MissingLeads.Count > 0)
        {
            text.Append(" Leads off or interrupted: ");
            for (int i = 0; i < ecg.MissingLeads.Count; i++)
            {
                if (i > 0) text.Append(", ");
                text.Append(Leads.Name(ecg.MissingLeads[i]));
            }
            text.Append('.');
        }
        return text.ToString();
    }

    private static string DescribeSuppression(string reason) => reason switch
    {
        "poor_signal" => "signal quality too poor for interpretation",
        _ => "clinical interpretation withheld",
    };

    private static CodeableConcept Category(string code, string display) =>
        new(ObservationCategorySystem, code, display, null);

    private static Quantity Probability(float p) => Ratio(Math.Clamp(p, 0f, 1f), 4)!;

    /// <summary>Largest magnitude written as a FHIR decimal; beyond it (or NaN, ∞) a value is reported as absent.</summary>
    private const double MaxDecimalMagnitude = 1e12;

    /// <summary>A dimensionless quantity (UCUM "1"), or null for a value that is no number (NaN, ∞, absurdly large).</summary>
    private static Quantity? Ratio(double value, int decimals) =>
        double.IsFinite(value) && Math.Abs(value) <= MaxDecimalMagnitude ? DimensionlessQuantities.Shared.For(Round(value, decimals)) : null;

    // Rounded in decimal so that the JSON shows e.g. 0.41 rather than float noise (0.4099999964237213), and so that the
    // same float always writes the same text.
    private static decimal Round(double value, int decimals) =>
        Math.Round((decimal)value, decimals, MidpointRounding.AwayFromZero);
}
