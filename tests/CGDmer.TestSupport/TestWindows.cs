using CGDmer.Pipeline;
using System.Buffers;
using CGDmer.Pipeline.Measurement;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal;
using CGDmer.Signal.Dsp;

namespace CGDmer.TestSupport;

/// <summary>Windows for the batch and infer tests: small geometry, signal rented like the window stage does.</summary>
public static class TestWindows
{
    public static readonly WindowGeometry SmallGeometry = new(100, 20, Leads.StandardOrder, EcgPreprocessing.Identifier);

    /// <summary>A window whose every sample is <c>patientNo * 1000 + index + row / 100</c>, so copies can be checked.</summary>
    public static MeasuredWindow Make(int patientNo, long index, bool analyzable = true, WindowGeometry? geometry = null, Lead[]? present = null)
    {
        var g = geometry ?? SmallGeometry;
        var signal = ArrayPool<float>.Shared.Rent(g.LeadCount * g.WindowSamples);
        var mask = new float[g.LeadCount];
        present ??= analyzable ? [Lead.I, Lead.II] : [];
        foreach (var lead in present) mask[g.RowOf(lead)] = 1;
        for (int r = 0; r < g.LeadCount; r++)
            signal.AsSpan(r * g.WindowSamples, g.WindowSamples).Fill(mask[r] > 0 ? SampleValue(patientNo, index, r) : 0f);
        var window = new EcgWindow($"patient-{patientNo}", "dev", index, DateTimeOffset.UnixEpoch.AddSeconds(index * 5), g,
            signal, mask, present, [], analyzable ? 1 : 0, analyzable ? WindowStatus.Analyzable : WindowStatus.NoSignal, 0);
        return new MeasuredWindow(window, WindowMeasurement.None);
    }

    public static float SampleValue(int patientNo, long index, int row) => patientNo * 1000 + index + row / 100f;

    public static string Key(MeasuredWindow w) => $"{w.Window.PatientId}#{w.Window.Index}";
}
