namespace CGDmer.Simulation;

/// <summary>
/// How a simulation runs: its seed (same seed, same plan), when the monitors start (receiver clock), how long each
/// plays, the segment length and the faults. <see cref="Validate"/> names the option that is wrong.
/// </summary>
public sealed class SimulationSettings
{
    /// <summary>Seed of everything random in the plan: sequence starts, clock skews, faults.</summary>
    public int Seed { get; set; } = 1;

    /// <summary>When the first monitor's first sample is taken (true time); others start up to 5 s later (staggered).</summary>
    public DateTimeOffset Start { get; set; } = new(2026, 1, 1, 8, 0, 0, TimeSpan.Zero);

    /// <summary>How long every monitor plays (recordings loop when shorter).</summary>
    public TimeSpan Duration { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Length of each segment a monitor sends.</summary>
    public double SegmentSeconds { get; set; } = 1.0;

    /// <summary>Prefix of the simulated patient and device ids ("sim" gives sim-patient-001, sim-monitor-001).</summary>
    public string IdPrefix { get; set; } = "sim";

    public SimulatorFaults Faults { get; set; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public SimulationSettings Validate()
    {
        if (Duration <= TimeSpan.Zero || Duration > TimeSpan.FromDays(7))
            throw new ArgumentException($"must be > 0 and ≤ 7 days, was {Duration}", nameof(Duration));
        if (!(SegmentSeconds > 0 && SegmentSeconds <= 30))
            throw new ArgumentException($"must be > 0 and ≤ 30 s (the schema's longest segment), was {SegmentSeconds}", nameof(SegmentSeconds));
        // Ids are "<prefix>-patient-NNN": keep them within the schema's 64 characters and free of whitespace/control characters.
        if (string.IsNullOrEmpty(IdPrefix) || IdPrefix.Length > 32 || IdPrefix.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            throw new ArgumentException($"must be 1-32 characters without whitespace or control characters, was '{IdPrefix}'", nameof(IdPrefix));
        if (Faults is null) throw new ArgumentException("is required", nameof(Faults));
        try { Faults.Validate(); }
        catch (ArgumentException e)
        {
            throw new ArgumentException(StripParam(e.Message), $"{nameof(Faults)}:{e.ParamName}", e);
        }
        return this;
    }

    private static string StripParam(string message)
    {
        int i = message.LastIndexOf(" (Parameter '", StringComparison.Ordinal);
        return i >= 0 ? message[..i] : message;
    }
}
