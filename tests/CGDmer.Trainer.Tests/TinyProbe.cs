using CGDmer.Model;
using CGDmer.Signal;
using CGDmer.Trainer.Data;
using TorchSharp;
using TorchSharp.Modules;

namespace CGDmer.Trainer.Tests;

/// <summary>A tiny pretrained model and a few labelled windows for the fine-tuning tests (seconds, not minutes).</summary>
internal static class TinyProbe
{
    public static readonly CgDmerConfig Config = new()
    {
        WindowSamples = 100, PatchSize = 50, Dim = 16, Depth = 1, Heads = 2, DecoderDim = 8, TextDim = 16, TextHeads = 2,
        TextDepth = 1, ProjectionDim = 8,
    };

    public static CgDmerModel Pretrained(int seed = 7)
    {
        torch.manual_seed(seed);
        return new CgDmerModel(Config, vocabularySize: 40);
    }

    /// <summary>16 one-lead windows of noise, half of them AF, all annotating sinus rhythm and AF.</summary>
    public static WindowSet Windows()
    {
        var set = new WindowSet(Config.WindowSamples, EcgLabels.All, 16);
        var rng = new Random(3);
        for (int k = 0; k < 16; k++)
        {
            var rows = new float[]?[Leads.Count];
            rows[(int)Lead.II] = Enumerable.Range(0, Config.WindowSamples).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
            var label = k % 2 == 0 ? EcgLabels.SinusRhythm : EcgLabels.AtrialFibrillation;
            set.Add(rows, [label], [EcgLabels.SinusRhythm, EcgLabels.AtrialFibrillation], "", $"p{k}", "mitbih", default);
        }
        return set;
    }

    /// <summary>How many rhythm features the current set (<see cref="CGDmer.Signal.Beats.RhythmFeatures.Identifier"/>) has.</summary>
    public static int RhythmFeatureCount => CGDmer.Signal.Beats.RhythmFeatures.CountOf(CGDmer.Signal.Beats.RhythmFeatures.Identifier);

    /// <summary>An empty window set of the tiny model's window length that carries the current rhythm features.</summary>
    public static WindowSet WindowsWithRhythm(int capacity) =>
        new(Config.WindowSamples, EcgLabels.All, capacity, RhythmFeatureCount, CGDmer.Signal.Beats.RhythmFeatures.Identifier);

    /// <summary>The sinus-rhythm and AF columns of <paramref name="set"/>'s labels, in head order.</summary>
    public static int[] Columns(WindowSet set) =>
        [set.Labels.ToList().IndexOf(EcgLabels.SinusRhythm), set.Labels.ToList().IndexOf(EcgLabels.AtrialFibrillation)];

    public static float[] Flat(IEnumerable<Parameter> ps) => ps.SelectMany(p => p.detach().cpu().data<float>().ToArray()).ToArray();
}
