using CGDmer.Signal;
using CGDmer.Trainer.Data;
using CGDmer.Trainer.Evaluation;

namespace CGDmer.Trainer.Tests;

public class FindingThresholdsTests
{
    [Fact]
    public void The_centred_threshold_sits_in_the_middle_of_the_range_that_reaches_the_maximum()
    {
        // Separable: J = 1 from the lowest positive (0.7) down to just above the highest negative (0.2).
        float[] s = [0.8f, 0.7f, 0.2f, 0.1f];
        bool[] y = [true, true, false, false];
        Assert.Equal(0.7, Auroc.YoudenThreshold(s, y), 6);
        Assert.Equal(0.45, Auroc.YoudenThresholdCentred(s, y), 6);

        // J reaches its maximum (2/3) at 0.6 and again at 0.4, with less between: the range is the first run only.
        float[] s2 = [0.9f, 0.6f, 0.5f, 0.4f, 0.3f, 0.1f];
        bool[] y2 = [true, true, false, true, false, false];
        Assert.Equal(0.55, Auroc.YoudenThresholdCentred(s2, y2), 6);
    }

    /// <summary>
    /// Sinus rhythm on a validation split like the trainer's: 300 CinC windows (sinus at 0.95, 100 AF windows at 0.68 that
    /// the model reads as sinus-like, 100 at 0.05), two Holter patients in sinus rhythm whose windows score 0.70 and 0.65,
    /// two AFTDB patients at 0.10.
    /// </summary>
    private static (WindowSet Set, int[] Idx, float[] P, int Col) Split(bool bedsideNegatives = true)
    {
        var set = new WindowSet(10, EcgLabels.All, 400);
        var rows = new float[]?[Leads.Count];
        rows[(int)Lead.II] = new float[10];
        var p = new List<float>();
        void Add(string source, string patient, bool sinus, float score, int n)
        {
            for (int k = 0; k < n; k++)
            {
                set.Add(rows, sinus ? [EcgLabels.SinusRhythm] : [EcgLabels.AtrialFibrillation],
                    [EcgLabels.SinusRhythm, EcgLabels.AtrialFibrillation], "", patient, source, default);
                p.Add(score);
            }
        }
        for (int k = 0; k < 100; k++) Add(WindowSources.Cinc2017, $"cinc-n{k}", true, 0.95f, 1);
        for (int k = 0; k < 100; k++) Add(WindowSources.Cinc2017, $"cinc-a{k}", false, 0.68f, 1);
        for (int k = 0; k < 100; k++) Add(WindowSources.Cinc2017, $"cinc-b{k}", false, 0.05f, 1);
        Add(WindowSources.MitBih, "mitbih-1", true, 0.70f, 10);
        Add(WindowSources.MitBih, "mitbih-2", true, 0.65f, 10);
        if (bedsideNegatives)
        {
            Add(WindowSources.Aftdb, "aftdb-1", false, 0.10f, 10);
            Add(WindowSources.Aftdb, "aftdb-2", false, 0.10f, 10);
        }
        return (set, Enumerable.Range(0, set.Count).ToArray(), p.ToArray(), EcgLabels.All.ToList().IndexOf(EcgLabels.SinusRhythm));
    }

    [Fact]
    public void Bedside_fits_on_the_monitor_and_Holter_windows_and_real_on_all_of_them()
    {
        var (set, idx, p, col) = Split();
        Assert.Equal(0.70, FindingThresholds.Fit(FindingThresholds.Real, set, idx, p, 1, 0, col)!.Value, 6);
        Assert.Equal((0.65 + 0.10) / 2, FindingThresholds.Fit(FindingThresholds.Bedside, set, idx, p, 1, 0, col)!.Value, 6);
    }

    [Fact]
    public void Without_both_classes_on_the_bedside_windows_bedside_fits_on_all_real_ones()
    {
        var (set, idx, p, col) = Split(bedsideNegatives: false);
        // All real windows: J is highest at Holter's 0.70 (every positive but the 0.65 patient, no negative above), down
        // to CinC's 0.68.
        Assert.Equal((0.70 + 0.68) / 2, FindingThresholds.Fit(FindingThresholds.Bedside, set, idx, p, 1, 0, col)!.Value, 6);
        Assert.Null(FindingThresholds.LeaveOneBedsidePatientOut(set, idx, p, 1, 0, col, "sinus_rhythm"));
    }

    [Fact]
    public void The_shipped_threshold_is_the_alert_point_or_the_population_s_fit_and_the_balanced_one_real_s()
    {
        var (set, idx, p, col) = Split();
        Assert.Equal((0.70, 0.70), Round(FindingThresholds.Choose(set, idx, p, 1, 0, col, FindingThresholds.Real, null)));
        Assert.Equal(((0.65 + 0.10) / 2, 0.70), Round(FindingThresholds.Choose(set, idx, p, 1, 0, col, FindingThresholds.Bedside, null)));
        // An alert operating point: just above the bedside negatives' 99th percentile (the AFTDB windows at 0.10), for
        // either population; the balanced threshold stays real's.
        var alert = FindingThresholds.Choose(set, idx, p, 1, 0, col, FindingThresholds.Bedside, 0.99);
        Assert.Equal(MathF.BitIncrement(0.10f), (float)alert.Shipped);
        Assert.Equal(0.70, alert.Balanced, 6);
        // Without bedside negatives the alert point cannot be set, and the population's fit ships instead.
        var (noNeg, noNegIdx, noNegP, _) = Split(bedsideNegatives: false);
        Assert.Equal((0.70, 0.70), Round(FindingThresholds.Choose(noNeg, noNegIdx, noNegP, 1, 0, col, FindingThresholds.Real, 0.99)));
    }

    private static (double, double) Round((double Shipped, double Balanced) t) => (Math.Round(t.Shipped, 6), Math.Round(t.Balanced, 6));

    [Fact]
    public void Each_bedside_patient_is_decided_by_a_threshold_fitted_without_it()
    {
        var (set, idx, p, col) = Split();
        var check = FindingThresholds.LeaveOneBedsidePatientOut(set, idx, p, 1, 0, col, "sinus_rhythm")!;

        Assert.Equal((2, 2), (check.PositivePatients, check.NegativePatients));
        // Real: without mitbih-1 the pooled fit sits at CinC's 0.95, without mitbih-2 at mitbih-1's 0.70: both missed.
        Assert.Equal((0.0, 1.0, 0.5), (check.RealPositive, check.RealNegative, check.RealBalanced));
        // Bedside: fitted on the other Holter patient and AFTDB, centred between them: all four right.
        Assert.Equal((1.0, 1.0, 1.0), (check.BedsidePositive, check.BedsideNegative, check.BedsideBalanced));
    }
}
