using CGDmer.Contracts.Model;
using CGDmer.Pipeline.Inference;
using CGDmer.Pipeline.Interpretation;
using CGDmer.Pipeline.Measurement;
using CGDmer.Pipeline.Publishing;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal;
using CGDmer.Signal.Dsp;

namespace CGDmer.Transports.Fhir.Tests;

/// <summary>Published windows built by the real publish stage (ObservationFactory) from synthetic interpreted windows.</summary>
internal static class TestWindows
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 25, 18, 0, 10, 250, TimeSpan.Zero);

    public static readonly ModelMetadata Model = CGDmer.TestSupport.TestModels.AllLabels;

    private static readonly ObservationFactory Factory = new(new PublishingOptions(), Model);

    /// <summary>A window with a heart rate and an EKG impression (two Observations); <paramref name="index"/> moves it in time.</summary>
    public static PublishedWindow Published(string patient = "MRN-0042", int index = 0)
    {
        var g = WindowGeometry.FromMetadata(Model);
        var recorded = g.LeadOrder.ToArray();
        var window = new EcgWindow(patient, "monitor-7", index, T0.AddSeconds(5 * index), g, new float[g.LeadCount * g.WindowSamples],
                                   recorded.Select(_ => 1f).ToArray(), recorded, [], 1.0, WindowStatus.Analyzable,
                                   System.Diagnostics.Stopwatch.GetTimestamp());
        var measured = new WindowMeasurement([50, 133, 216, 299, 382, 465, 548, 631, 714, 797, 880, 963], 72.4, 0.05, 0.93, Lead.II);
        var rng = new Random(index + 1);
        var probabilities = Model.Labels.Select(_ => (float)rng.NextDouble()).ToArray();
        var findings = Model.Labels.Select((l, i) => new Finding(l, probabilities[i], l.Key == "atrial_fibrillation")).ToArray();
        var interpreted = new InterpretedWindow(new AnalyzedWindow(window, measured, probabilities), findings, [], null);
        var published = new PublishedWindow(interpreted, Factory.Create(interpreted));
        if (published.Observations.Count != 2) throw new InvalidOperationException("the test window should carry two Observations");
        return published;
    }

    /// <summary>The same window with no Observations (e.g. a NoSignal window).</summary>
    public static PublishedWindow Empty(string patient = "MRN-0042") => Published(patient) with { Observations = [] };
}
