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
    /// <summary>The leads present in the window, in the window's row order.</summary>
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
        int present = 0;
        for (int row = 0; row < g.LeadCount; row++) if (window.LeadMask[row] > 0.5f) present++;
        if (present == 0) return null;
        var leads = new Lead[present];
        var data = ArrayPool<float>.Shared.Rent(present * g.WindowSamples);
        int k = 0;
        for (int row = 0; row < g.LeadCount; row++)
        {
            if (window.LeadMask[row] <= 0.5f) continue;
            leads[k] = g.LeadOrder[row];
            window.Row(row).CopyTo(data.AsSpan(k * g.WindowSamples, g.WindowSamples));
            k++;
        }
        return new SignalStrip(window.Start, g.SampleRateHz, g.WindowSamples, leads, data);
    }

    /// <summary>Gives the samples back to the pool; idempotent.</summary>
    public void Release()
    {
        var data = Interlocked.Exchange(ref _data, null);
        if (data is not null) ArrayPool<float>.Shared.Return(data);
    }
}
