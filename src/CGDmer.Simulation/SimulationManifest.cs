using System.Text.Json;
using System.Text.Json.Serialization;

namespace CGDmer.Simulation;

/// <summary>Counts of what a plan (or one monitor of it) delivered, per kind of message and fault.</summary>
public sealed class FaultCounts
{
    /// <summary>Good segments sent (each once; duplicates not counted here).</summary>
    public long Segments { get; set; }
    public long Duplicates { get; set; }
    public long Reordered { get; set; }
    public long Jittered { get; set; }
    /// <summary>Segments with a lead flagged off by the simulator.</summary>
    public long LeadOff { get; set; }
    public long NoiseBurst { get; set; }
    /// <summary>Segments never sent (their sequence numbers are skipped).</summary>
    public long GapSegments { get; set; }
    /// <summary>Malformed messages mixed in, all kinds.</summary>
    public long Malformed { get; set; }
    /// <summary>Malformed messages per <see cref="Malformation"/> (name → count).</summary>
    public SortedDictionary<string, long> MalformedByKind { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Malformed messages per expected dead-letter reason code.</summary>
    public SortedDictionary<string, long> DeadLettersByReason { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Every message of the plan (good, duplicate and malformed).</summary>
    [JsonIgnore] public long Messages => Segments + Duplicates + Malformed;

    internal void Add(FaultCounts other)
    {
        Segments += other.Segments; Duplicates += other.Duplicates; Reordered += other.Reordered; Jittered += other.Jittered;
        LeadOff += other.LeadOff; NoiseBurst += other.NoiseBurst; GapSegments += other.GapSegments; Malformed += other.Malformed;
        foreach (var (k, v) in other.MalformedByKind) MalformedByKind[k] = MalformedByKind.GetValueOrDefault(k) + v;
        foreach (var (k, v) in other.DeadLettersByReason) DeadLettersByReason[k] = DeadLettersByReason.GetValueOrDefault(k) + v;
    }
}

/// <summary>A run of consecutive sequence numbers a monitor never sent.</summary>
public readonly record struct SequenceGap(ulong FirstSequence, int Count);

/// <summary>
/// What an enumeration of a plan delivered, filled while it is enumerated (counts per monitor, gap positions).
/// Pass a fresh one to each enumeration; read it once the enumeration is over.
/// </summary>
public sealed class SimulationTally
{
    internal SimulationTally(int monitors)
    {
        Monitors = Enumerable.Range(0, monitors).Select(_ => new FaultCounts()).ToArray();
        Gaps = Enumerable.Range(0, monitors).Select(_ => new List<SequenceGap>()).ToArray();
    }

    public IReadOnlyList<FaultCounts> Monitors { get; }
    internal List<SequenceGap>[] Gaps { get; }

    public FaultCounts Totals
    {
        get
        {
            var total = new FaultCounts();
            foreach (var m in Monitors) total.Add(m);
            return total;
        }
    }
}

/// <summary>One monitor of a simulation, as the service will see it.</summary>
/// <param name="FirstSampleTime">start_time of its first segment (its own clock, i.e. including <paramref name="ClockSkewMs"/>).</param>
/// <param name="EndTime">Just after its last sample (its own clock).</param>
/// <param name="SegmentsPlanned">Segments it records (sent or lost in gaps).</param>
public sealed record MonitorManifest(
    int Index, string PatientId, string DeviceId, string Source, double SampleRateHz, int Leads, int SamplesPerSegment,
    ulong FirstSequence, long SegmentsPlanned, DateTimeOffset FirstSampleTime, DateTimeOffset EndTime, double ClockSkewMs)
{
    /// <summary>What it sent (null before the plan was enumerated).</summary>
    public FaultCounts? Counts { get; init; }
    /// <summary>Sequence numbers it never sent.</summary>
    public IReadOnlyList<SequenceGap> Gaps { get; init; } = [];
}

/// <summary>
/// The summary of a simulation for tests and benchmarks: its settings, every monitor (ids, times, segments) and what was
/// sent, so expected windows and dead letters can be computed. Contains simulated ids only, never real patient data.
/// </summary>
public sealed record SimulationManifest(
    int Seed, DateTimeOffset Start, TimeSpan Duration, double SegmentSeconds, SimulatorFaults Faults,
    IReadOnlyList<MonitorManifest> Monitors, FaultCounts? Totals)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static SimulationManifest FromJson(string json) =>
        JsonSerializer.Deserialize<SimulationManifest>(json, Json) ?? throw new InvalidDataException("the manifest is empty");

    public void WriteTo(string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        File.WriteAllText(path, ToJson());
    }
}
