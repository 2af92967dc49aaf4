using System.Text.Json.Serialization;

namespace CGDmer.Simulation;

/// <summary>
/// A bad message the simulator mixes into a monitor's stream. Each kind has exactly one dead-letter reason the service
/// must give it (<see cref="SimulatedMessage.ExpectedDeadLetter"/>).
/// </summary>
public enum Malformation
{
    /// <summary>Bytes that are not protobuf (an invalid wire type up front): unreadable, MalformedMessage.</summary>
    RandomBytes,
    /// <summary>A real segment cut inside its last lead: unreadable, MalformedMessage.</summary>
    TruncatedSegment,
    /// <summary>A record without a value (a tombstone or producer bug): unreadable, EmptyMessage.</summary>
    EmptyMessage,
    /// <summary>More bytes than the service reads (<see cref="SimulatorFaults.OversizedBytes"/>): unreadable, OversizedMessage.</summary>
    OversizedPayload,
    /// <summary>A segment with schema_version 0, 2 or 99: UnsupportedSchemaVersion.</summary>
    WrongSchemaVersion,
    /// <summary>A segment with a NaN or infinite gain on one lead (samples are integers; gain is the float that scales them): NonFiniteValue.</summary>
    NonFiniteGain,
    /// <summary>A segment with a NaN or infinite sample rate: NonFiniteValue.</summary>
    NonFiniteSampleRate,
    /// <summary>A segment with a finite sample rate outside [50, 2000] Hz (0, negative, 5 Hz, 1 MHz, ...): BadSampleRate.</summary>
    AbsurdSampleRate,
    /// <summary>A segment with one lead named like no ECG lead (V7, V4R, Pleth, ...): UnknownLead.</summary>
    UnknownLead,
}

/// <summary>
/// The faults a simulated bedside monitor commits, as rates and bounds. Everything is off by default (a clean stream).
/// Probabilities are per good segment of a monitor; durations are in seconds of ECG. Bound from configuration or set
/// by the <c>simulate</c> verb's options; <see cref="Validate"/> names the option that is wrong.
/// </summary>
public sealed class SimulatorFaults
{
    /// <summary>Each segment is sent up to this many milliseconds after it is complete (uniform). 0: on time.</summary>
    public double JitterMs { get; set; }

    /// <summary>Probability that a segment is held back and delivered after a later segment of its monitor (out of order).</summary>
    public double ReorderProbability { get; set; }
    /// <summary>A held-back segment arrives after at most this many later segments (the reorder distance, ≥ 1).</summary>
    public int ReorderMaxSegments { get; set; } = 3;

    /// <summary>Probability that a segment is delivered twice (a byte-identical copy, within one segment's time after it).</summary>
    public double DuplicateProbability { get; set; }

    /// <summary>Probability that a gap (segments never sent; their sequence numbers are skipped) starts at a segment.</summary>
    public double GapProbability { get; set; }
    /// <summary>A gap lasts 1 to this many segments (uniform).</summary>
    public int GapMaxSegments { get; set; } = 5;

    /// <summary>Probability that a lead-off period (one lead flagged off, its samples flat at the baseline) starts at a segment.</summary>
    public double LeadOffProbability { get; set; }
    /// <summary>Length of a lead-off period (rounded up to whole segments).</summary>
    public double LeadOffSeconds { get; set; } = 10;

    /// <summary>Probability that a noise burst (uniform noise added to every lead) starts at a segment.</summary>
    public double NoiseBurstProbability { get; set; }
    /// <summary>Length of a noise burst (rounded up to whole segments).</summary>
    public double NoiseBurstSeconds { get; set; } = 3;
    /// <summary>Peak amplitude of the burst's noise, in mV.</summary>
    public double NoiseAmplitudeMv { get; set; } = 1.0;

    /// <summary>Each monitor's clock is off by a constant drawn uniformly from [−ClockSkewMs, +ClockSkewMs] (its start times shift; its delivery does not).</summary>
    public double ClockSkewMs { get; set; }

    /// <summary>Probability that a malformed message is mixed in after a segment (extra: it never replaces the good one).</summary>
    public double MalformedProbability { get; set; }
    /// <summary>Which malformations to draw from (uniformly); null or empty: all of them.</summary>
    public IReadOnlyList<Malformation>? MalformedKinds { get; set; }
    /// <summary>
    /// Size of an oversized payload: set it just above the service's <c>Kafka:MaxSegmentBytes</c> (default 4 MiB) and
    /// below the broker's and producer's message limits (<c>message.max.bytes</c>, 1 MB by default), or it never arrives.
    /// </summary>
    public int OversizedBytes { get; set; } = 4 * 1024 * 1024 + 1;

    /// <summary>True when no fault is switched on.</summary>
    [JsonIgnore]
    public bool None => JitterMs == 0 && ReorderProbability == 0 && DuplicateProbability == 0 && GapProbability == 0
                        && LeadOffProbability == 0 && NoiseBurstProbability == 0 && ClockSkewMs == 0 && MalformedProbability == 0;

    /// <summary>The malformations drawn from.</summary>
    [JsonIgnore]
    public IReadOnlyList<Malformation> EffectiveMalformedKinds =>
        MalformedKinds is { Count: > 0 } kinds ? kinds : Enum.GetValues<Malformation>();

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option (ParamName = the option).</summary>
    public SimulatorFaults Validate()
    {
        NonNegativeFinite(JitterMs, nameof(JitterMs), 3_600_000);
        Probability(ReorderProbability, nameof(ReorderProbability));
        AtLeastOne(ReorderMaxSegments, nameof(ReorderMaxSegments), 10_000);
        Probability(DuplicateProbability, nameof(DuplicateProbability));
        Probability(GapProbability, nameof(GapProbability));
        AtLeastOne(GapMaxSegments, nameof(GapMaxSegments), 1_000_000);
        Probability(LeadOffProbability, nameof(LeadOffProbability));
        Positive(LeadOffSeconds, nameof(LeadOffSeconds));
        Probability(NoiseBurstProbability, nameof(NoiseBurstProbability));
        Positive(NoiseBurstSeconds, nameof(NoiseBurstSeconds));
        NonNegativeFinite(NoiseAmplitudeMv, nameof(NoiseAmplitudeMv), 100);
        // Beyond a day every segment is simply too old or in the future for the service: not a skew, a broken clock.
        NonNegativeFinite(ClockSkewMs, nameof(ClockSkewMs), 86_400_000);
        Probability(MalformedProbability, nameof(MalformedProbability));
        if (MalformedKinds is not null)
            foreach (var kind in MalformedKinds)
                if (!Enum.IsDefined(kind))
                    throw new ArgumentException($"contains {(int)kind}, which is no malformation (one of {string.Join(", ", Enum.GetNames<Malformation>())})", nameof(MalformedKinds));
        if (OversizedBytes < 1024 || OversizedBytes > 256 * 1024 * 1024)
            throw new ArgumentException($"must be in [1024, 268435456] (the service's smallest MaxSegmentBytes is 1024), was {OversizedBytes}", nameof(OversizedBytes));
        return this;
    }

    /// <summary>A copy (the simulator keeps its own, so later changes by the caller do not alter a plan).</summary>
    public SimulatorFaults Clone()
    {
        var copy = (SimulatorFaults)MemberwiseClone();
        copy.MalformedKinds = MalformedKinds?.ToArray();
        return copy;
    }

    private static void Probability(double p, string name)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentException($"must be a probability in [0, 1], was {p}", name);
    }

    private static void NonNegativeFinite(double v, string name, double max)
    {
        if (!(v >= 0 && v <= max)) throw new ArgumentException($"must be in [0, {max}], was {v}", name);
    }

    private static void Positive(double v, string name)
    {
        if (!(v > 0 && v <= 86_400)) throw new ArgumentException($"must be > 0 and ≤ 86400 s, was {v}", name);
    }

    private static void AtLeastOne(int v, string name, int max)
    {
        if (v < 1 || v > max) throw new ArgumentException($"must be in [1, {max}], was {v}", name);
    }
}
