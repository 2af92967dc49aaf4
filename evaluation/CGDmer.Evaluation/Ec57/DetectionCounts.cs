namespace CGDmer.Evaluation.Ec57;

/// <summary>True positives, false negatives and false positives, with sensitivity and positive predictivity (null when undefined).</summary>
public sealed record DetectionCounts(int TruePositives, int FalseNegatives, int FalsePositives)
{
    public static DetectionCounts Zero { get; } = new(0, 0, 0);

    /// <summary>Se = TP / (TP + FN); null when there is nothing to find.</summary>
    public double? Sensitivity => Ratio(TruePositives, TruePositives + FalseNegatives);

    /// <summary>+P = TP / (TP + FP); null when nothing was reported.</summary>
    public double? PositivePredictivity => Ratio(TruePositives, TruePositives + FalsePositives);

    public static DetectionCounts operator +(DetectionCounts a, DetectionCounts b) =>
        new(a.TruePositives + b.TruePositives, a.FalseNegatives + b.FalseNegatives, a.FalsePositives + b.FalsePositives);

    internal static double? Ratio(double numerator, double denominator) => denominator > 0 ? numerator / denominator : null;
}
