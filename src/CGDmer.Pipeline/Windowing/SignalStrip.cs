using System.Buffers;
using CGDmer.Signal;

namespace CGDmer.Pipeline.Windowing;

/// <summary>
/// The samples of a window's present leads (preprocessed, in mV, at the model's rate), copied before the infer stage
/// gives the window's own buffer back to the pool, so that the publish stage can show the ECG strip that raised an
/// alarm. The buffer is pooled: whoever holds the strip last calls <see cref="Release"/> (the publish stage).
/// </summary>
public sealed class SignalStrip
{
    private float[]? _data;

    private SignalStrip(DateTimeOffset start, double sampleRateHz, int samples, Lead[] leads, float[] data)
    {
        Start = start;
        SampleRateHz = sampleRateHz;
        SamplesPerLead = samples;
        Leads = leads;
        _data = data;
    }

    public DateTimeOffset Start { get; }
    public double SampleRateHz { get; }
    public int SamplesPerLead { get; }
    public DateTimeOffset End => Start + TimeSpan.FromSeconds(SamplesPerLead / SampleRateHz);
    /// <summary>The leads present in the window (in the order of the infer stage's lead set, the same for every window with those leads).</summary>
    public IReadOnlyList<Lead> Leads { get; }
    public bool Released => _data is null;

    /// <summary>The samples of <see cref="Leads"/>[<paramref name="lead"/>].</summary>
    public ReadOnlySpan<float> Samples(int lead) =>
        (_data ?? throw new ObjectDisposedException(nameof(SignalStrip))).AsSpan(lead * SamplesPerLead, SamplesPerLead);

    /// <summary>A copy of <paramref name="window"/>'s present leads; null when it has none or its samples were released.</summary>
    public static SignalStrip? CopyOf(EcgWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        if (window.SignalReleased) return null;
        var g = window.Geometry;
        var leads = new List<Lead>(g.LeadCount);
        Span<int> rows = stackalloc int[g.LeadCount];
        for (int row = 0; row < g.LeadCount; row++)
            if (window.LeadMask[row] > 0.5f) { rows[leads.Count] = row; leads.Add(g.LeadOrder[row]); }
        return leads.Count == 0 ? null : Copy(window, [.. leads], rows[..leads.Count]);
    }

    /// <summary>
    /// A copy of the rows <paramref name="rows"/> of <paramref name="window"/>, which hold <paramref name="leads"/> (the
    /// caller's array is kept, not copied: the infer stage passes its cached lead set).
    /// </summary>
    internal static SignalStrip Copy(EcgWindow window, Lead[] leads, ReadOnlySpan<int> rows)
    {
        var g = window.Geometry;
        var data = ArrayPool<float>.Shared.Rent(rows.Length * g.WindowSamples);
        for (int k = 0; k < rows.Length; k++)
            window.Row(rows[k]).CopyTo(data.AsSpan(k * g.WindowSamples, g.WindowSamples));
        return new SignalStrip(window.Start, g.SampleRateHz, g.WindowSamples, leads, data);
    }

    /// <summary>Gives the samples back to the pool; idempotent.</summary>
    public void Release()
    {
        var data = Interlocked.Exchange(ref _data, null);
        if (data is not null) ArrayPool<float>.Shared.Return(data);
    }
}
