using CGDmer.Signal;
using CGDmer.Trainer.Data;
using CGDmer.Trainer.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace CGDmer.Trainer.Tests;

public class HandheldRecordingLossTests
{
    // Windows (source, recording) in batch order.
    private static WindowSet Set(params (string Source, string Recording)[] windows)
    {
        var set = new WindowSet(10, EcgLabels.All, windows.Length);
        var rows = new float[]?[Leads.Count];
        rows[(int)Lead.I] = new float[10];
        foreach (var (source, recording) in windows)
            set.Add(rows, [EcgLabels.SinusRhythm], [EcgLabels.SinusRhythm], "", recording, source, default);
        return set;
    }

    private static double Bce(double logit, double target, double posWeight) =>
        -(posWeight * target * Math.Log(1 / (1 + Math.Exp(-logit))) + (1 - target) * Math.Log(1 - 1 / (1 + Math.Exp(-logit))));

    [Fact]
    public void A_handheld_recording_s_windows_are_one_bag_soft_max_per_label_and_soft_min_for_sinus()
    {
        // Rows: two windows of handheld recording A, one of B, then two bedside windows of one patient (each its own bag).
        var set = Set(("cinc2017", "A"), ("cinc2017", "A"), ("cinc2017", "B"), ("mitbih", "100"), ("mitbih", "100"));
        int[] batch = [0, 1, 2, 3, 4];
        float[] logits = [2f, -1f, 0f, 1f, 0.5f, -2f, -3f, 3f, 1.5f, -0.5f];   // [5 windows × 2 labels]: sinus, other
        float[] y = [1, 0, 1, 0, 0, 1, 1, 0, 0, 1];
        float[] known = [1, 1, 1, 1, 1, 1, 1, 0, 1, 1];
        float[] posWeight = [2f, 3f];
        using var loss = Prober.RecordingLoss(tensor(logits, [5, 2]), set, batch, y, known, 2, sinusHead: 0, tensor(posWeight));

        double SoftMax(params double[] z) => Math.Log(z.Average(Math.Exp));
        double SoftMin(params double[] z) => -SoftMax(z.Select(v => -v).ToArray());
        // Bag A: sinus soft-min of (2, 0), other soft-max of (-1, 1); B: its window's; each bedside window its own.
        double expected = (Bce(SoftMin(2, 0), 1, 2) + Bce(SoftMax(-1, 1), 0, 3)
                           + Bce(0.5, 0, 2) + Bce(-2, 1, 3)
                           + Bce(-3, 1, 2)                       // the first bedside window's other rhythm is not annotated
                           + Bce(1.5, 0, 2) + Bce(-0.5, 1, 3)) / 7;
        Assert.Equal(expected, loss.item<float>(), 5);
    }

    [Fact]
    public void Without_handheld_recordings_it_is_the_window_loss()
    {
        var set = Set(("mitbih", "100"), ("mitbih", "100"), ("aftdb", "04015"));
        float[] logits = [0.3f, -1.2f, 2f, 0.1f, -0.7f, 0.9f];
        float[] y = [1, 0, 1, 1, 0, 0];
        float[] known = [1, 1, 1, 1, 1, 1];
        float[] posWeight = [1.5f, 4f];
        using var pooled = Prober.RecordingLoss(tensor(logits, [3, 2]), set, [0, 1, 2], y, known, 2, sinusHead: 0, tensor(posWeight));
        double expected = Enumerable.Range(0, 6).Average(k => Bce(logits[k], y[k], posWeight[k % 2]));
        Assert.Equal(expected, pooled.item<float>(), 5);
    }

    [Fact]
    public void Batches_keep_each_handheld_recording_s_windows_together()
    {
        var windows = new List<(string, string)>();
        for (int r = 0; r < 40; r++) for (int w = 0; w < 1 + r % 5; w++) windows.Add(("cinc2017", $"A{r:D3}"));
        for (int w = 0; w < 40; w++) windows.Add(("mitbih", "100"));   // one bedside patient, the same leads: the same group
        var set = Set(windows.ToArray());
        var plan = BatchPlan.Make(set, set.AllIndices(), 8, new Random(4), handheldRecordingsTogether: true);
        Assert.Equal(set.Count - set.Count % 8, plan.Sum(b => b.Length));
        // In each batch a recording's windows are consecutive and in their order; a recording spans two batches only
        // where the epoch's order was cut into batches, so at most one per batch.
        var batchesOf = new Dictionary<string, int>();
        foreach (var b in plan)
        {
            var inBatch = new HashSet<string>();
            for (int k = 0; k < b.Length; k++)
            {
                string recording = set.Patients[b[k]];
                if (set.Sources[b[k]] != WindowSources.Cinc2017) continue;
                if (k > 0 && set.Patients[b[k - 1]] == recording) { Assert.True(b[k] > b[k - 1]); continue; }
                Assert.True(inBatch.Add(recording), $"recording {recording} split inside a batch");
                batchesOf[recording] = batchesOf.GetValueOrDefault(recording) + 1;
            }
        }
        Assert.All(batchesOf.Values, n => Assert.True(n <= 2));
        // The bedside patient's windows are shuffled one by one, not kept together.
        var order = plan.SelectMany(b => b).ToList();
        int bedsideRuns = Enumerable.Range(0, order.Count).Count(k => set.Patients[order[k]] == "100" && (k == 0 || set.Patients[order[k - 1]] != "100"));
        Assert.True(bedsideRuns > 10, $"the bedside windows came in {bedsideRuns} runs");
        Assert.True(batchesOf.Values.Count(n => n == 2) <= plan.Count);
        // Without the option the same windows are shuffled one by one.
        var loose = BatchPlan.Make(set, set.AllIndices(), 8, new Random(4)).SelectMany(b => b).ToList();
        int breaks = Enumerable.Range(1, loose.Count - 1).Count(k => set.Patients[loose[k]] != set.Patients[loose[k - 1]]);
        Assert.True(breaks > 100, $"{breaks} recording changes in {loose.Count} windows");
    }
}
