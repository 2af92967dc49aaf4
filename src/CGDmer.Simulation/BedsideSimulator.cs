using CGDmer.Contracts.Telemetry.V1;
using CGDmer.Pipeline.Validation;
using CGDmer.Signal.Synthesis;
using CGDmer.Transports.Replay;
using Google.Protobuf;

namespace CGDmer.Simulation;

/// <summary>
/// Emulates N bedside monitors, each playing a <see cref="MonitorSignal"/> as one patient's live telemetry, and turns
/// them into a delivery plan: every message in the order and at the time (offset from the plan's start) it should be
/// sent, with the faults of <see cref="SimulatorFaults"/> applied. Transport-neutral: a producer (Kafka, a file) sends
/// the plan. Deterministic: the same settings and signals give the same plan, byte for byte.
/// <para>
/// Every fault only delays a message (jitter, reordering, duplicates and malformed messages go out after the segment
/// they concern), so the plan is a lazy k-way merge: a monitor's next segment is generated only when nothing earlier is
/// pending, and only one chunk (<see cref="ChunkSeconds"/>) of each monitor's ECG is in memory.
/// </para>
/// </summary>
public sealed class BedsideSimulator
{
    /// <summary>ECG generated or read per monitor at a time.</summary>
    public const double ChunkSeconds = 60;

    // The unreadable codes of the Kafka transport's UnreadableReason (this project knows no Kafka; a test ties them).
    internal const string MalformedMessageCode = "MalformedMessage";
    internal const string EmptyMessageCode = "EmptyMessage";
    internal const string OversizedMessageCode = "OversizedMessage";

    private static readonly string[] UnknownLeadNames = ["V7", "V4R", "Pleth", "ECG", "Resp", "V0"];
    private static readonly double[] AbsurdRates = [0, -500, 5, 49.5, 2000.5, 1e6, double.MaxValue];
    private static readonly uint[] WrongSchemaVersions = [0, 2, 99];

    private readonly SimulationSettings _settings;
    private readonly SimulatorFaults _faults;
    private readonly IReadOnlyList<MonitorSignal> _signals;
    private readonly MonitorManifest[] _monitors;
    private readonly long _planStartTicks;

    /// <summary>A simulation of one monitor per signal (monitor i plays <paramref name="signals"/>[i]).</summary>
    public BedsideSimulator(SimulationSettings settings, IReadOnlyList<MonitorSignal> signals)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(signals);
        if (signals.Count == 0) throw new ArgumentException("at least one monitor is needed", nameof(signals));
        if (signals.Count > 99_999) throw new ArgumentException($"at most 99999 monitors, got {signals.Count}", nameof(signals));
        _settings = settings.Validate();
        _faults = settings.Faults.Clone();
        _signals = signals.ToArray();
        _monitors = new MonitorManifest[_signals.Count];
        for (int i = 0; i < _monitors.Length; i++) _monitors[i] = Describe(i);
        _planStartTicks = _settings.Start.UtcTicks;
    }

    /// <summary>N synthetic 12-lead patients of the default condition mix, patient i from seed <c>seed × 1000 + i</c>.</summary>
    public static BedsideSimulator Synthetic(SimulationSettings settings, int monitors, ConditionMix? mix = null, double sampleRateHz = 500)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (monitors < 1) throw new ArgumentOutOfRangeException(nameof(monitors), monitors, "at least one monitor");
        var signals = Enumerable.Range(0, monitors)
            .Select(i => MonitorSignal.Synthetic(unchecked(settings.Seed * 1000 + i), mix, sampleRateHz)).ToList();
        return new BedsideSimulator(settings, signals);
    }

    public SimulationSettings Settings => _settings;

    /// <summary>The monitors (ids, clocks, segments planned); counts come with <see cref="Manifest"/>.</summary>
    public IReadOnlyList<MonitorManifest> Monitors => _monitors;

    /// <summary>Good segments the plan holds when it has no gaps (every monitor's every segment once).</summary>
    public long SegmentsPlanned => _monitors.Sum(m => m.SegmentsPlanned);

    /// <summary>The manifest, with the counts of an enumeration when <paramref name="tally"/> is given.</summary>
    public SimulationManifest Manifest(SimulationTally? tally = null)
    {
        var monitors = _monitors.Select((m, i) => tally is null ? m : m with { Counts = tally.Monitors[i], Gaps = tally.Gaps[i].ToArray() }).ToArray();
        return new SimulationManifest(_settings.Seed, _settings.Start, _settings.Duration, _settings.SegmentSeconds, _faults.Clone(), monitors, tally?.Totals);
    }

    /// <summary>A tally to pass to <see cref="Messages"/>.</summary>
    public SimulationTally NewTally() => new(_monitors.Length);

    /// <summary>
    /// The delivery plan, lazily, in send order. Each enumeration replays the plan from the start (identically);
    /// <paramref name="tally"/>, when given, counts what it delivered.
    /// </summary>
    public IEnumerable<SimulatedMessage> Messages(SimulationTally? tally = null)
    {
        tally ??= NewTally();
        if (tally.Monitors.Count != _monitors.Length) throw new ArgumentException("the tally belongs to another simulator", nameof(tally));
        return Enumerate(tally);
    }

    private IEnumerable<SimulatedMessage> Enumerate(SimulationTally tally)
    {
        var players = new MonitorPlayer[_monitors.Length];
        var due = new PriorityQueue<int, (long Ticks, int Monitor)>();
        for (int i = 0; i < players.Length; i++)
        {
            players[i] = new MonitorPlayer(this, i, tally);
            if (players[i].HasNext) due.Enqueue(i, (players[i].NextDueTicks, i));
        }
        var pending = new PriorityQueue<SimulatedMessage, (long Ticks, long Order)>();
        long order = 0;
        var made = new List<SimulatedMessage>(4);
        while (pending.Count > 0 || due.Count > 0)
        {
            // A message is final once no monitor can still produce anything earlier (faults only ever delay).
            if (pending.TryPeek(out _, out var first) && (!due.TryPeek(out _, out var next) || first.Ticks <= next.Ticks))
            {
                yield return pending.Dequeue();
                continue;
            }
            int m = due.Dequeue();
            made.Clear();
            players[m].PlayNext(made);
            foreach (var message in made) pending.Enqueue(message, (message.SendAt.Ticks, order++));
            if (players[m].HasNext) due.Enqueue(m, (players[m].NextDueTicks, m));
        }
    }

    private MonitorManifest Describe(int i)
    {
        var signal = _signals[i];
        var rng = MonitorRandom(i);
        double rate = signal.SampleRateHz;
        int perSegment = Math.Max(1, (int)Math.Round(_settings.SegmentSeconds * rate));
        long total = Math.Max(1, (long)Math.Round(_settings.Duration.TotalSeconds * rate));
        long segments = (total + perSegment - 1) / perSegment;
        // Monitors start a prime number of milliseconds apart (mod 5 s) so that they do not share window boundaries.
        var trueStart = _settings.Start.AddMilliseconds(i * 211 % 5000);
        ulong firstSequence = (ulong)rng.Int(0, 1_000_000); // devices start numbering anywhere
        double skewMs = _faults.ClockSkewMs > 0 ? Math.Round(rng.Uniform(-_faults.ClockSkewMs, _faults.ClockSkewMs), 3) : 0;
        var deviceStart = trueStart.AddTicks((long)Math.Round(skewMs * TimeSpan.TicksPerMillisecond));
        string prefix = _settings.IdPrefix;
        return new MonitorManifest(i, $"{prefix}-patient-{i + 1:D3}", $"{prefix}-monitor-{i + 1:D3}", signal.Name, rate, signal.LeadCount,
            perSegment, firstSequence, segments, deviceStart, deviceStart.AddTicks(Ticks(total, rate)), skewMs);
    }

    // Independent per monitor, so adding a monitor does not change the others' faults.
    private SynthRandom MonitorRandom(int monitor) => new(SynthRandom.Derive(_settings.Seed, 0xBED0000 + monitor));

    private static long Ticks(long samples, double rate) => (long)Math.Round(samples * (double)TimeSpan.TicksPerSecond / rate);

    /// <summary>One monitor's progress through its recording and its fault state.</summary>
    private sealed class MonitorPlayer
    {
        private readonly BedsideSimulator _sim;
        private readonly SimulatorFaults _faults;
        private readonly MonitorManifest _monitor;
        private readonly int _index;
        private readonly SynthRandom _rng;
        private readonly FaultCounts _counts;
        private readonly List<SequenceGap> _gaps;
        private readonly long _totalSamples;
        private readonly int _segmentsPerChunk;
        private readonly long _trueStartTicks;
        private readonly long _segmentTicks;
        private RecordingSegmenter? _chunk;
        private int _chunkIndex = -1;
        private long _next;
        private int _gapLeft, _leadOffLeft, _leadOffLead, _noiseLeft;

        public MonitorPlayer(BedsideSimulator sim, int index, SimulationTally tally)
        {
            _sim = sim;
            _faults = sim._faults;
            _index = index;
            _monitor = sim._monitors[index];
            _rng = sim.MonitorRandom(index);
            // The draws Describe made (skew, first sequence), repeated so the fault draws that follow are the same.
            _rng.Int(0, 1_000_000);
            if (_faults.ClockSkewMs > 0) _rng.NextDouble();
            _counts = tally.Monitors[index];
            _gaps = tally.Gaps[index];
            _totalSamples = Math.Max(1, (long)Math.Round(sim._settings.Duration.TotalSeconds * _monitor.SampleRateHz));
            _segmentsPerChunk = Math.Max(1, (int)Math.Round(ChunkSeconds / sim._settings.SegmentSeconds));
            _trueStartTicks = _monitor.FirstSampleTime.UtcTicks - (long)Math.Round(_monitor.ClockSkewMs * TimeSpan.TicksPerMillisecond);
            _segmentTicks = Ticks(_monitor.SamplesPerSegment, _monitor.SampleRateHz);
        }

        public bool HasNext => _next < _monitor.SegmentsPlanned;

        /// <summary>When segment <see cref="_next"/> is complete (true time), relative to the plan's start.</summary>
        public long NextDueTicks => DueTicks(_next);

        private long DueTicks(long k)
        {
            long end = Math.Min((k + 1) * _monitor.SamplesPerSegment, _totalSamples);
            return _trueStartTicks + Ticks(end, _monitor.SampleRateHz) - _sim._planStartTicks;
        }

        public void PlayNext(List<SimulatedMessage> output)
        {
            long k = _next++;
            ulong sequence = _monitor.FirstSequence + (ulong)k;
            if (_gapLeft == 0 && _faults.GapProbability > 0 && _rng.Chance(_faults.GapProbability))
            {
                _gapLeft = _rng.Int(1, _faults.GapMaxSegments + 1);
                _gaps.Add(new SequenceGap(sequence, (int)Math.Min(_gapLeft, _monitor.SegmentsPlanned - k)));
            }
            if (_gapLeft > 0)
            {
                _gapLeft--;
                _counts.GapSegments++;
                return;
            }

            var segment = Segment(k);
            var faults = _monitor.ClockSkewMs != 0 ? SegmentFaults.ClockSkewed : SegmentFaults.None;
            if (ApplyLeadOff(segment)) faults |= SegmentFaults.LeadOff;
            if (ApplyNoise(segment)) faults |= SegmentFaults.NoiseBurst;
            var bytes = segment.ToByteArray();

            long sendTicks = DueTicks(k);
            if (_faults.ReorderProbability > 0 && k + 1 < _monitor.SegmentsPlanned && _rng.Chance(_faults.ReorderProbability))
            {
                // Held back until just after the d-th later segment is due: d later segments can overtake it, no more.
                long d = Math.Min(_rng.Int(1, _faults.ReorderMaxSegments + 1), _monitor.SegmentsPlanned - 1 - k);
                sendTicks = DueTicks(k + d) + 1;
                faults |= SegmentFaults.Reordered;
                _counts.Reordered++;
            }
            if (_faults.JitterMs > 0)
            {
                sendTicks += (long)(_rng.NextDouble() * _faults.JitterMs * TimeSpan.TicksPerMillisecond);
                faults |= SegmentFaults.Jittered;
                _counts.Jittered++;
            }
            if ((faults & SegmentFaults.LeadOff) != 0) _counts.LeadOff++;
            if ((faults & SegmentFaults.NoiseBurst) != 0) _counts.NoiseBurst++;
            _counts.Segments++;
            output.Add(new SimulatedMessage(_monitor.PatientId, bytes, TimeSpan.FromTicks(sendTicks), SimulatedMessageKind.Segment, _index, sequence) { Faults = faults });

            if (_faults.DuplicateProbability > 0 && _rng.Chance(_faults.DuplicateProbability))
            {
                long at = sendTicks + 1 + (long)(_rng.NextDouble() * _segmentTicks);
                _counts.Duplicates++;
                output.Add(new SimulatedMessage(_monitor.PatientId, bytes, TimeSpan.FromTicks(at), SimulatedMessageKind.Duplicate, _index, sequence) { Faults = faults });
            }
            if (_faults.MalformedProbability > 0 && _rng.Chance(_faults.MalformedProbability))
            {
                var kinds = _faults.EffectiveMalformedKinds;
                var kind = kinds[_rng.Int(0, kinds.Count)];
                var (value, expected) = Malform(kind, segment, bytes, _rng, _faults.OversizedBytes);
                long at = sendTicks + 1 + (long)(_rng.NextDouble() * _segmentTicks / 2);
                _counts.Malformed++;
                _counts.MalformedByKind[kind.ToString()] = _counts.MalformedByKind.GetValueOrDefault(kind.ToString()) + 1;
                _counts.DeadLettersByReason[expected.Reason] = _counts.DeadLettersByReason.GetValueOrDefault(expected.Reason) + 1;
                output.Add(new SimulatedMessage(_monitor.PatientId, value, TimeSpan.FromTicks(at), SimulatedMessageKind.Malformed, _index, sequence)
                {
                    Malformation = kind,
                    ExpectedDeadLetter = expected,
                });
            }
        }

        private EcgSegment Segment(long k)
        {
            int chunk = (int)(k / _segmentsPerChunk);
            if (chunk != _chunkIndex)
            {
                int chunkSamples = _segmentsPerChunk * _monitor.SamplesPerSegment;
                long from = (long)chunk * chunkSamples;
                int count = (int)Math.Min(chunkSamples, _totalSamples - from);
                var recording = _sim._signals[_index].ReadChunk(chunk, chunkSamples, count);
                if (recording.Length != count)
                    throw new InvalidOperationException($"monitor {_index}: its signal gave {recording.Length} samples for chunk {chunk}, expected {count}");
                var start = _monitor.FirstSampleTime.AddTicks(Ticks(from, _monitor.SampleRateHz));
                _chunk = new RecordingSegmenter(recording, _monitor.PatientId, _monitor.DeviceId, start, _sim._settings.SegmentSeconds,
                    _monitor.FirstSequence + (ulong)chunk * (ulong)_segmentsPerChunk);
                _chunkIndex = chunk;
            }
            return _chunk!.Segment((int)(k - (long)chunk * _segmentsPerChunk));
        }

        // A lead-off period: one lead flagged off for whole segments, its samples flat at the baseline (what monitors send).
        private bool ApplyLeadOff(EcgSegment segment)
        {
            if (_leadOffLeft == 0 && _faults.LeadOffProbability > 0 && _rng.Chance(_faults.LeadOffProbability))
            {
                _leadOffLeft = Math.Max(1, (int)Math.Ceiling(_faults.LeadOffSeconds / _sim._settings.SegmentSeconds - 1e-9));
                _leadOffLead = _rng.Int(0, segment.Leads.Count);
            }
            if (_leadOffLeft == 0) return false;
            _leadOffLeft--;
            var lead = segment.Leads[Math.Min(_leadOffLead, segment.Leads.Count - 1)];
            lead.LeadOff = true;
            lead.LeadOffRanges.Clear(); // the schema: no ranges when the whole segment is off
            var samples = lead.Samples;
            for (int i = 0; i < samples.Count; i++) samples[i] = lead.Baseline;
            return true;
        }

        // A noise burst: uniform noise of the configured amplitude on every lead that is on.
        private bool ApplyNoise(EcgSegment segment)
        {
            if (_noiseLeft == 0 && _faults.NoiseBurstProbability > 0 && _rng.Chance(_faults.NoiseBurstProbability))
                _noiseLeft = Math.Max(1, (int)Math.Ceiling(_faults.NoiseBurstSeconds / _sim._settings.SegmentSeconds - 1e-9));
            if (_noiseLeft == 0) return false;
            _noiseLeft--;
            foreach (var lead in segment.Leads)
            {
                if (lead.LeadOff) continue;
                double mvPerUnit = MillivoltConversion.TryGetFactor(lead.Unit, out var f) ? f : 1;
                double amplitude = _faults.NoiseAmplitudeMv * lead.Gain / mvPerUnit; // in ADC units
                var samples = lead.Samples;
                for (int i = 0; i < samples.Count; i++)
                {
                    double v = samples[i] + Math.Round(_rng.Uniform(-amplitude, amplitude));
                    samples[i] = (int)Math.Clamp(v, int.MinValue, int.MaxValue);
                }
            }
            return true;
        }
    }

    /// <summary>A bad message derived from a good segment of the same monitor, and the dead letter it must get.</summary>
    internal static (byte[] Value, ExpectedDeadLetter Expected) Malform(Malformation kind, EcgSegment good, byte[] goodBytes, SynthRandom rng, int oversizedBytes)
    {
        switch (kind)
        {
            case Malformation.RandomBytes:
            {
                var bytes = new byte[rng.Int(1, 257)];
                for (int i = 1; i < bytes.Length; i++) bytes[i] = (byte)rng.Int(0, 256);
                // First tag: a field 1-15 with wire type 7, which protobuf does not have: never parses, whatever follows.
                bytes[0] = (byte)((rng.Int(1, 16) << 3) | 7);
                return (bytes, ExpectedDeadLetter.UnreadableAs(MalformedMessageCode));
            }
            case Malformation.TruncatedSegment:
            {
                // Leads are the last field on the wire: cutting into the last lead's body leaves its length prefix promising
                // bytes that never come.
                int lastLead = good.Leads[^1].CalculateSize();
                int cut = rng.Int(1, Math.Max(2, lastLead + 1));
                return (goodBytes.AsSpan(0, goodBytes.Length - cut).ToArray(), ExpectedDeadLetter.UnreadableAs(MalformedMessageCode));
            }
            case Malformation.EmptyMessage:
                return ([], ExpectedDeadLetter.UnreadableAs(EmptyMessageCode));
            case Malformation.OversizedPayload:
            {
                // A real segment padded with zeros: too large is judged before parsing, so the content does not matter.
                var bytes = new byte[Math.Max(oversizedBytes, goodBytes.Length + 1)];
                goodBytes.CopyTo(bytes, 0);
                return (bytes, ExpectedDeadLetter.UnreadableAs(OversizedMessageCode));
            }
            case Malformation.WrongSchemaVersion:
            {
                var bad = good.Clone();
                bad.SchemaVersion = WrongSchemaVersions[rng.Int(0, WrongSchemaVersions.Length)];
                return (bad.ToByteArray(), ExpectedDeadLetter.RejectedAs(RejectionReason.UnsupportedSchemaVersion));
            }
            case Malformation.NonFiniteGain:
            {
                var bad = good.Clone();
                bad.Leads[rng.Int(0, bad.Leads.Count)].Gain = PickNonFinite(rng);
                return (bad.ToByteArray(), ExpectedDeadLetter.RejectedAs(RejectionReason.NonFiniteValue));
            }
            case Malformation.NonFiniteSampleRate:
            {
                var bad = good.Clone();
                bad.SampleRateHz = PickNonFinite(rng);
                return (bad.ToByteArray(), ExpectedDeadLetter.RejectedAs(RejectionReason.NonFiniteValue));
            }
            case Malformation.AbsurdSampleRate:
            {
                var bad = good.Clone();
                bad.SampleRateHz = AbsurdRates[rng.Int(0, AbsurdRates.Length)];
                return (bad.ToByteArray(), ExpectedDeadLetter.RejectedAs(RejectionReason.BadSampleRate));
            }
            case Malformation.UnknownLead:
            {
                var bad = good.Clone();
                bad.Leads[rng.Int(0, bad.Leads.Count)].Lead = UnknownLeadNames[rng.Int(0, UnknownLeadNames.Length)];
                return (bad.ToByteArray(), ExpectedDeadLetter.RejectedAs(RejectionReason.UnknownLead));
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "no such malformation");
        }
    }

    private static double PickNonFinite(SynthRandom rng) => rng.Int(0, 3) switch
    {
        0 => double.NaN,
        1 => double.PositiveInfinity,
        _ => double.NegativeInfinity,
    };
}
