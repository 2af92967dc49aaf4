namespace CGDmer.Signal;

/// <summary>
/// One ECG recording in physical units: a set of leads sampled together at one rate.
/// Samples are stored per lead in millivolts. Leads not recorded are simply absent
/// (use <see cref="ToTwelveLead"/> to obtain the dense 12-lead layout with a presence mask).
/// </summary>
public sealed class EcgRecord
{
    public EcgRecord(string id, double sampleRateHz, IReadOnlyList<EcgChannel> channels, DateTimeOffset? startTime = null)
    {
        if (sampleRateHz <= 0 || !double.IsFinite(sampleRateHz))
            throw new ArgumentOutOfRangeException(nameof(sampleRateHz), sampleRateHz, "Sample rate must be a positive finite number of Hz.");
        if (channels.Count == 0) throw new ArgumentException("A record needs at least one channel.", nameof(channels));
        int n = channels[0].Samples.Length;
        foreach (var c in channels)
            if (c.Samples.Length != n)
                throw new ArgumentException($"Channel '{c.Label}' has {c.Samples.Length} samples, expected {n} like the others.", nameof(channels));
        Id = id;
        SampleRateHz = sampleRateHz;
        Channels = channels;
        StartTime = startTime;
    }

    public string Id { get; }
    public double SampleRateHz { get; }
    public IReadOnlyList<EcgChannel> Channels { get; }
    public DateTimeOffset? StartTime { get; }
    public int Length => Channels[0].Samples.Length;
    public TimeSpan Duration => TimeSpan.FromSeconds(Length / SampleRateHz);

    /// <summary>The channel recorded on <paramref name="lead"/>, or null. The first channel wins if two map to the same lead.</summary>
    public EcgChannel? Channel(Lead lead)
    {
        foreach (var c in Channels)
            if (c.Lead == lead) return c;
        return null;
    }

    /// <summary>
    /// Dense [12][Length] layout in standard lead order plus a mask (true = lead present).
    /// Absent leads are zero-filled; consumers must honour the mask rather than the zeros.
    /// </summary>
    public (float[][] Samples, bool[] Present) ToTwelveLead()
    {
        var samples = new float[Leads.Count][];
        var present = new bool[Leads.Count];
        for (int i = 0; i < Leads.Count; i++)
        {
            var ch = Channel((Lead)i);
            present[i] = ch is not null;
            samples[i] = ch is null ? new float[Length] : ch.Samples;
        }
        return (samples, present);
    }
}

/// <summary>One channel of a record: its label as recorded, the standard lead it maps to (if any), samples in mV.</summary>
public sealed record EcgChannel(string Label, Lead? Lead, float[] Samples);
