namespace CGDmer.Trainer.Evaluation;

/// <summary>Area under the ROC curve and the curve itself. AUROC is the Mann–Whitney statistic, ties counted as ½.</summary>
public static class Auroc
{
    /// <summary>NaN when only one class is present (AUROC is undefined there, and must not be reported as 0.5).</summary>
    public static double Compute(ReadOnlySpan<float> scores, ReadOnlySpan<bool> positive)
    {
        int n = scores.Length;
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        var s = scores.ToArray();
        Array.Sort(s, order);
        long pos = 0, neg = 0;
        double rankSumPos = 0;
        int k = 0;
        while (k < n)
        {
            int j = k;
            while (j + 1 < n && s[j + 1] == s[k]) j++;
            double midRank = (k + j) / 2.0 + 1; // 1-based average rank of the tie group
            for (int q = k; q <= j; q++)
                if (positive[order[q]]) { pos++; rankSumPos += midRank; } else neg++;
            k = j + 1;
        }
        if (pos == 0 || neg == 0) return double.NaN;
        return (rankSumPos - pos * (pos + 1) / 2.0) / ((double)pos * neg);
    }

    /// <summary>ROC points (false-positive rate, true-positive rate, threshold), from the highest threshold down.</summary>
    public static List<(double Fpr, double Tpr, double Threshold)> Curve(ReadOnlySpan<float> scores, ReadOnlySpan<bool> positive)
    {
        int n = scores.Length;
        var idx = Enumerable.Range(0, n).ToArray();
        var s = scores.ToArray();
        Array.Sort(idx, (a, b) => s[b].CompareTo(s[a]));
        long pos = 0, neg = 0;
        for (int i = 0; i < n; i++) if (positive[i]) pos++; else neg++;
        var pts = new List<(double, double, double)> { (0, 0, double.PositiveInfinity) };
        long tp = 0, fp = 0;
        for (int k = 0; k < n; k++)
        {
            if (positive[idx[k]]) tp++; else fp++;
            if (k + 1 < n && s[idx[k + 1]] == s[idx[k]]) continue;
            pts.Add((neg == 0 ? 0 : (double)fp / neg, pos == 0 ? 0 : (double)tp / pos, s[idx[k]]));
        }
        return pts;
    }

    /// <summary>
    /// Threshold maximising Youden's J (sensitivity + specificity − 1). Used to set the per-label decision thresholds that
    /// ship in the model metadata; chosen on validation data, never on the test split.
    /// </summary>
    public static double YoudenThreshold(ReadOnlySpan<float> scores, ReadOnlySpan<bool> positive)
    {
        double best = double.NegativeInfinity, thr = 0.5;
        foreach (var (fpr, tpr, t) in Curve(scores, positive))
        {
            if (double.IsInfinity(t)) continue;
            if (tpr - fpr > best) { best = tpr - fpr; thr = t; }
        }
        return thr;
    }

    /// <summary>J values this close are equal (2/3 − 0 and 1 − 1/3 differ in the last bit).</summary>
    private const double Tie = 1e-12;

    /// <summary>
    /// Youden's J, placed in the middle of the range of thresholds that reach its maximum (from the highest one down to
    /// the next lower score), rather than at its top: where the classes separate, the top is the lowest positive score,
    /// with no margin for a patient not seen. Every threshold in that range decides these windows the same way.
    /// </summary>
    public static double YoudenThresholdCentred(ReadOnlySpan<float> scores, ReadOnlySpan<bool> positive)
    {
        var pts = Curve(scores, positive);
        int first = -1;
        double best = double.NegativeInfinity;
        for (int k = 1; k < pts.Count; k++)
            if (pts[k].Tpr - pts[k].Fpr > best + Tie) { best = pts[k].Tpr - pts[k].Fpr; first = k; }
        if (first < 0) return 0.5;
        int last = first;
        while (last + 1 < pts.Count && Math.Abs(pts[last + 1].Tpr - pts[last + 1].Fpr - best) <= Tie) last++;
        double below = last + 1 < pts.Count ? pts[last + 1].Threshold : pts[last].Threshold;
        return (pts[first].Threshold + below) / 2;
    }
}

/// <summary>AUROC with a confidence interval from a bootstrap over patients.</summary>
public readonly record struct AurocEstimate(double Auroc, double Lower, double Upper, int Positives, int Negatives, int Patients, int ValidResamples);

public static class PatientBootstrap
{
    /// <summary>
    /// Windows of one patient are strongly correlated, so resampling windows would give falsely narrow intervals; the unit
    /// resampled here is the patient (all of a patient's windows go in or out together). Resamples with one class only
    /// are skipped and counted out of <see cref="AurocEstimate.ValidResamples"/>.
    /// </summary>
    public static AurocEstimate Estimate(float[] scores, bool[] positive, string[] patients, int resamples = 1000, int seed = 7, double level = 0.95)
    {
        double point = Auroc.Compute(scores, positive);
        var byPatient = new Dictionary<string, List<int>>();
        for (int i = 0; i < patients.Length; i++)
        {
            if (!byPatient.TryGetValue(patients[i], out var l)) byPatient[patients[i]] = l = new List<int>();
            l.Add(i);
        }
        var groups = byPatient.Values.Select(v => v.ToArray()).ToArray();
        var rng = new Random(seed);
        var stats = new List<double>(resamples);
        var s = new List<float>(scores.Length);
        var p = new List<bool>(scores.Length);
        for (int r = 0; r < resamples; r++)
        {
            s.Clear(); p.Clear();
            for (int g = 0; g < groups.Length; g++)
                foreach (int i in groups[rng.Next(groups.Length)]) { s.Add(scores[i]); p.Add(positive[i]); }
            double a = Auroc.Compute(s.ToArray(), p.ToArray());
            if (!double.IsNaN(a)) stats.Add(a);
        }
        stats.Sort();
        double lo = double.NaN, hi = double.NaN;
        // With a single patient every resample is the same set: no interval can be claimed.
        if (stats.Count > 0 && groups.Length > 1)
        {
            double alpha = (1 - level) / 2;
            lo = stats[(int)Math.Floor(alpha * (stats.Count - 1))];
            hi = stats[(int)Math.Ceiling((1 - alpha) * (stats.Count - 1))];
        }
        int pos = positive.Count(x => x);
        return new AurocEstimate(point, lo, hi, pos, positive.Length - pos, groups.Length, stats.Count);
    }
}
