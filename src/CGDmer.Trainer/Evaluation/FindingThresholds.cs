using CGDmer.Trainer.Data;

namespace CGDmer.Trainer.Evaluation;

/// <summary>
/// A bedside patient's check of where a finding's threshold is fitted (<see cref="FindingThresholds.LeaveOneBedsidePatientOut"/>):
/// per population, the mean over held-out patients of the share of their windows decided right, over the patients with the
/// finding and over those without it, and the mean of the two (balanced).
/// </summary>
public sealed record ThresholdPopulationCheck(string Label, int PositivePatients, int NegativePatients,
    double RealPositive, double RealNegative, double RealBalanced, double BedsidePositive, double BedsideNegative, double BedsideBalanced);

/// <summary>
/// Where and how a finding's decision threshold is fitted on the validation windows that annotate it. <see cref="Real"/>:
/// Youden's J at the top of its maximum (<see cref="Auroc.YoudenThreshold"/>) on all real windows, most of them CinC's
/// handheld recordings. <see cref="Bedside"/>: on the bedside sources' windows (MIT-BIH and AFTDB, monitor and Holter
/// leads, the population the service reads) when those have both classes, else on all real ones, centred in the range
/// that reaches the maximum (<see cref="Auroc.YoudenThresholdCentred"/>): a few bedside patients separate cleanly, and
/// the top of that range would sit on one patient's lowest score.
/// </summary>
public static class FindingThresholds
{
    public const string Real = "real", Bedside = "bedside";
    public static readonly IReadOnlyList<string> Populations = [Real, Bedside];

    /// <summary>
    /// One label's thresholds on the validation windows <paramref name="idx"/>. Balanced: <see cref="Real"/>'s fit, or
    /// Youden's J on every window that annotates the label (synthetic ones too) when the real ones lack a class, or 0.5.
    /// Shipped: with an <paramref name="alertSpecificity"/>, the lowest threshold at which that share of the bedside
    /// windows without the finding stay below it (alarms are judged on monitors, and a threshold balanced on handheld
    /// recordings raises them on every irregular non-AF rhythm); otherwise <paramref name="population"/>'s fit.
    /// </summary>
    public static (double Shipped, double Balanced) Choose(WindowSet set, int[] idx, float[] probabilities, int labelCount, int c, int col,
        string population, double? alertSpecificity)
    {
        double balanced = Fit(Real, set, idx, probabilities, labelCount, c, col) ?? AnyAnnotated();
        if (alertSpecificity is { } specificity)
        {
            var negatives = Enumerable.Range(0, idx.Length)
                .Where(k => set.IsKnown(idx[k], col) && WindowSources.IsBedside(set.Sources[idx[k]]) && !set.HasLabel(idx[k], col))
                .Select(k => probabilities[k * labelCount + c]).Order().ToArray();
            if (negatives.Length > 0)
            {
                double quantile = negatives[Math.Min(negatives.Length - 1, (int)Math.Ceiling(specificity * negatives.Length) - 1)];
                return (Math.Min(1, BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits((float)quantile) + 1)), balanced);
            }
        }
        double shipped = population == Bedside && Fit(Bedside, set, idx, probabilities, labelCount, c, col) is { } t ? t : balanced;
        return (shipped, balanced);

        double AnyAnnotated()
        {
            var known = Enumerable.Range(0, idx.Length).Where(k => set.IsKnown(idx[k], col)).ToList();
            if (!BothClasses(set, idx, col, known)) return 0.5;
            return Auroc.YoudenThreshold(known.Select(k => probabilities[k * labelCount + c]).ToArray(), known.Select(k => set.HasLabel(idx[k], col)).ToArray());
        }
    }

    /// <summary>
    /// The threshold of label column <paramref name="c"/> (of <paramref name="labelCount"/>; set column <paramref name="col"/>)
    /// over the windows <paramref name="idx"/> with probabilities [idx.Length × labelCount]; null when the real windows
    /// that annotate it lack a class (the caller falls back).
    /// </summary>
    public static double? Fit(string population, WindowSet set, int[] idx, float[] probabilities, int labelCount, int c, int col,
        Func<int, bool>? include = null)
    {
        var real = new List<int>();
        for (int k = 0; k < idx.Length; k++)
            if (set.IsKnown(idx[k], col) && set.Sources[idx[k]] != WindowSources.Synthetic && (include?.Invoke(k) ?? true)) real.Add(k);
        var bedside = real.Where(k => WindowSources.IsBedside(set.Sources[idx[k]])).ToList();
        var use = population == Bedside && BothClasses(set, idx, col, bedside) ? bedside : real;
        if (!BothClasses(set, idx, col, use)) return null;
        var s = use.Select(k => probabilities[k * labelCount + c]).ToArray();
        var y = use.Select(k => set.HasLabel(idx[k], col)).ToArray();
        return population == Bedside ? Auroc.YoudenThresholdCentred(s, y) : Auroc.YoudenThreshold(s, y);
    }

    /// <summary>
    /// Each bedside patient with windows that annotate the label is held out in turn; the threshold is fitted by each
    /// population on the other validation windows and applied to the held-out patient's. A patient counts as having the
    /// finding when most of its windows do. Null when the bedside patients are not of both kinds.
    /// </summary>
    public static ThresholdPopulationCheck? LeaveOneBedsidePatientOut(WindowSet set, int[] idx, float[] probabilities, int labelCount,
        int c, int col, string label)
    {
        var patients = new Dictionary<string, List<int>>();
        for (int k = 0; k < idx.Length; k++)
        {
            int i = idx[k];
            if (!set.IsKnown(i, col) || !WindowSources.IsBedside(set.Sources[i])) continue;
            if (!patients.TryGetValue(set.Patients[i], out var ks)) patients[set.Patients[i]] = ks = [];
            ks.Add(k);
        }
        var real = (Pos: new List<double>(), Neg: new List<double>());
        var bed = (Pos: new List<double>(), Neg: new List<double>());
        foreach (var (patient, ks) in patients)
        {
            bool positive = ks.Count(k => set.HasLabel(idx[k], col)) * 2 > ks.Count;
            double? Accuracy(string population)
            {
                if (Fit(population, set, idx, probabilities, labelCount, c, col, k => set.Patients[idx[k]] != patient) is not { } t) return null;
                return ks.Count(k => probabilities[k * labelCount + c] >= t == set.HasLabel(idx[k], col)) / (double)ks.Count;
            }
            if (Accuracy(Real) is not { } r || Accuracy(Bedside) is not { } b) continue;
            (positive ? real.Pos : real.Neg).Add(r);
            (positive ? bed.Pos : bed.Neg).Add(b);
        }
        if (real.Pos.Count == 0 || real.Neg.Count == 0) return null;
        return new ThresholdPopulationCheck(label, real.Pos.Count, real.Neg.Count,
            real.Pos.Average(), real.Neg.Average(), (real.Pos.Average() + real.Neg.Average()) / 2,
            bed.Pos.Average(), bed.Neg.Average(), (bed.Pos.Average() + bed.Neg.Average()) / 2);
    }

    private static bool BothClasses(WindowSet set, int[] idx, int col, List<int> ks) =>
        ks.Any(k => set.HasLabel(idx[k], col)) && ks.Any(k => !set.HasLabel(idx[k], col));
}
