namespace CGDmer.Evaluation.Ec57;

/// <summary>Small helpers over optional figures.</summary>
internal static class Statistics
{
    /// <summary>Mean of the defined values; null when none is.</summary>
    public static double? Mean(IEnumerable<double?> values)
    {
        double sum = 0;
        int n = 0;
        foreach (var v in values)
            if (v is { } x) { sum += x; n++; }
        return n > 0 ? sum / n : null;
    }

    /// <summary>Median of <paramref name="values"/> (mean of the middle two for an even count); null when empty.</summary>
    public static double? Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return null;
        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>Root mean square of <paramref name="values"/>; null when empty.</summary>
    public static double? Rms(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return null;
        double s = 0;
        foreach (double v in values) s += v * v;
        return Math.Sqrt(s / values.Count);
    }
}
