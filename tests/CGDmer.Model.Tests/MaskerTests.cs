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
