using CGDmer.Contracts.Model;
using CGDmer.Signal;
using CGDmer.Signal.Dsp;

namespace CGDmer.TestSupport;

/// <summary>Model metadata for tests that publish results without running a model.</summary>
public static class TestModels
{
    /// <summary>Every label of the vocabulary, thresholds 0.30, 0.32, …; 12 leads at 100 Hz, 10 s windows.</summary>
    public static ModelMetadata AllLabels { get; } = new()
    {
        ModelName = "cgdmer-small",
        ModelVersion = "0.1.0",
        Labels = EcgLabels.All.Select((l, i) => new LabelMetadata(l.Key, l.SnomedCode, l.Display, 0.3 + 0.02 * i)).ToArray(),
        SampleRateHz = 100,
        WindowSamples = 1000,
        Preprocessing = EcgPreprocessing.Identifier,
        EmbeddingDim = 64,
    };
}
