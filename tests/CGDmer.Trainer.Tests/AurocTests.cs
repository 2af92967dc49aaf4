using CGDmer.Trainer.Evaluation;

namespace CGDmer.Trainer.Tests;

public class AurocTests
{
    [Fact]
    public void Perfect_inverse_and_tied_rankings()
    {
        bool[] y = [false, false, true, true];
        Assert.Equal(1.0, Auroc.Compute(new float[] { 0.1f, 0.2f, 0.8f, 0.9f }, y), 12);
        Assert.Equal(0.0, Auroc.Compute(new float[] { 0.9f, 0.8f, 0.2f, 0.1f }, y), 12);
        Assert.Equal(0.5, Auroc.Compute(new float[] { 0.5f, 0.5f, 0.5f, 0.5f }, y), 12);
        Assert.True(double.IsNaN(Auroc.Compute(new float[] { 0.1f, 0.2f }, new[] { true, true })));
    }

    [Fact]
    public void Matches_pairwise_definition_on_random_data()
    {
        var rng = new Random(1);
        var s = Enumerable.Range(0, 300).Select(_ => (float)Math.Round(rng.NextDouble(), 2)).ToArray();
        var y = s.Select(v => rng.NextDouble() < v).ToArray();
        double wins = 0; long pairs = 0;
        for (int i = 0; i < s.Length; i++)
            for (int j = 0; j < s.Length; j++)
                if (y[i] && !y[j]) { pairs++; wins += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0; }
        Assert.Equal(wins / pairs, Auroc.Compute(s, y), 10);
    }

    [Fact]
    public void Bootstrap_interval_contains_the_estimate_and_widens_with_fewer_patients()
    {
        // Windows of a patient share that patient's offset: the correlation the patient bootstrap exists for.
        (float[] s, bool[] y, string[] p) Make(int patients)
        {
            var rng = new Random(2);
            int n = 2000;
            var offsets = Enumerable.Range(0, patients).Select(_ => rng.NextDouble() * 1.5).ToArray();
            var y = Enumerable.Range(0, n).Select(i => i % 3 == 0).ToArray();
            var s = Enumerable.Range(0, n).Select(i => (float)(rng.NextDouble() + (y[i] ? 0.5 : 0) + offsets[i % patients])).ToArray();
            return (s, y, Enumerable.Range(0, n).Select(i => $"p{i % patients}").ToArray());
        }
        var (s1, y1, p1) = Make(200);
        var (s2, y2, p2) = Make(7);
        var many = PatientBootstrap.Estimate(s1, y1, p1, 300);
        var few = PatientBootstrap.Estimate(s2, y2, p2, 300);
        Assert.InRange(many.Auroc, many.Lower, many.Upper);
        Assert.True(few.Upper - few.Lower > many.Upper - many.Lower, $"few: [{few.Lower}, {few.Upper}], many: [{many.Lower}, {many.Upper}]");
        Assert.Equal(200, many.Patients);
    }

    [Fact]
    public void Youden_threshold_separates_separable_scores()
    {
        float[] s = [0.1f, 0.2f, 0.3f, 0.7f, 0.8f];
        bool[] y = [false, false, false, true, true];
        Assert.Equal(0.7, Auroc.YoudenThreshold(s, y), 6);
    }
}
