using CGDmer.Model;

namespace CGDmer.Model.Tests;

public class MaskerTests
{
    [Theory]
    [InlineData(12, 0.5)]
    [InlineData(2, 0.5)]
    [InlineData(12, 0.75)]
    [InlineData(1, 0.3)]
    public void Hides_the_target_ratio_of_present_patches_only(int presentLeads, double ratio)
    {
        var masker = new SpatialTemporalMasker(12, 20, ratio);
        var present = new bool[12];
        for (int l = 0; l < presentLeads; l++) present[(l * 5) % 12 == l ? l : l] = true;
        var hidden = new bool[12 * 20];
        var rng = new Random(3);
        for (int trial = 0; trial < 50; trial++)
        {
            int n = masker.Sample(present, hidden, rng);
            int counted = 0;
            for (int l = 0; l < 12; l++)
                for (int p = 0; p < 20; p++)
                    if (hidden[l * 20 + p]) { Assert.True(present[l], $"absent lead {l} was masked"); counted++; }
            Assert.Equal(n, counted);
            Assert.Equal((int)Math.Round(ratio * presentLeads * 20), n);
        }
    }

    [Fact]
    public void Uses_whole_leads_and_time_spans_not_only_random_patches()
    {
        var masker = new SpatialTemporalMasker(12, 20, 0.5);
        var present = Enumerable.Repeat(true, 12).ToArray();
        var hidden = new bool[240];
        var rng = new Random(11);
        int wholeLeadWindows = 0, spanWindows = 0;
        for (int trial = 0; trial < 100; trial++)
        {
            masker.Sample(present, hidden, rng);
            bool anyWholeLead = Enumerable.Range(0, 12).Any(l => Enumerable.Range(0, 20).All(p => hidden[l * 20 + p]));
            // A time step hidden in every lead that is not wholly hidden = a temporal span.
            var visibleLeads = Enumerable.Range(0, 12).Where(l => !Enumerable.Range(0, 20).All(p => hidden[l * 20 + p])).ToArray();
            bool anySpan = Enumerable.Range(0, 20).Any(p => visibleLeads.All(l => hidden[l * 20 + p]));
            if (anyWholeLead) wholeLeadWindows++;
            if (anySpan) spanWindows++;
            // At least one lead keeps visible patches.
            Assert.NotEmpty(visibleLeads);
        }
        Assert.True(wholeLeadWindows > 90, $"whole-lead masks in {wholeLeadWindows}/100 windows");
        Assert.True(spanWindows > 90, $"time-span masks in {spanWindows}/100 windows");
    }

    [Fact]
    public void Never_hides_the_only_lead_entirely()
    {
        var masker = new SpatialTemporalMasker(12, 20, 0.9);
        var present = new bool[12];
        present[1] = true;
        var hidden = new bool[240];
        var rng = new Random(5);
        for (int trial = 0; trial < 20; trial++)
        {
            masker.Sample(present, hidden, rng);
            Assert.Contains(false, hidden.AsSpan(20, 20).ToArray());
        }
    }
}

public class LeadSubsetTests
{
    [Fact]
    public void Dropping_absent_leads_gives_the_same_embedding_as_the_full_12_lead_layout()
    {
        TorchSharp.torch.manual_seed(2);
        var enc = new EcgEncoder("e", CgDmerConfig.Tiny);
        enc.eval();
        int s = CgDmerConfig.Tiny.WindowSamples;
        var rng = new Random(1);
        var ecg = new float[3 * 12 * s];
        for (int i = 0; i < ecg.Length; i++) ecg[i] = (float)rng.NextDouble();
        var mask = new float[3 * 12];
        foreach (var (row, lead) in new[] { (0, 1), (0, 6), (1, 1), (2, 6), (2, 10) }) mask[row * 12 + lead] = 1;
        using var _ = TorchSharp.torch.no_grad();
        var full = enc.Encode(TorchSharp.torch.tensor(ecg, [3, 12, s]), TorchSharp.torch.tensor(mask, [3, 12])).Pooled.data<float>().ToArray();
        var (e, m, ids) = CGDmer.Trainer.Training.LeadSubset.Compact(TorchSharp.torch.tensor(ecg, [3, 12, s]), TorchSharp.torch.tensor(mask, [3, 12]), mask);
        Assert.Equal(new long[] { 1, 6, 10 }, ids!.data<long>().ToArray());
        var compact = enc.Encode(e, m, null, ids).Pooled.data<float>().ToArray();
        Assert.Equal(full.Length, compact.Length);
        for (int i = 0; i < full.Length; i++) Assert.True(Math.Abs(full[i] - compact[i]) < 1e-5, $"element {i}: {full[i]} vs {compact[i]}");
    }
}
