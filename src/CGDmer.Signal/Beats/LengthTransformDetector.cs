using System.Buffers;
using CGDmer.Signal.Dsp;

namespace CGDmer.Signal.Beats;

/// <summary>
/// A second, deliberately different QRS detector for the beat-agreement index (bSQI). Li, Mark &amp; Clifford (2008) pair
/// a Pan–Tompkins-like detector with Zong's curve-length transform (wqrs) because the two fail in different ways: the
/// first adapts its thresholds beat by beat, this one uses one threshold for the whole window. Agreement between them
/// is then evidence that the beats are real. Meant for single preprocessed windows (seconds long), not long records.
/// </summary>
/// <remarks>
/// Steps: curve-length increment of the preprocessed lead, sqrt(Δt² + Δx²) − Δt with Δx in mV and Δt scaled so that
/// 1 mV per 10 ms weighs as much as 10 ms, summed over a 130 ms window (Zong et al. 2003); threshold at the median plus
/// 30 % of the distance to the 98th percentile; each run above threshold is one beat, placed at the largest absolute
/// sample within ±100 ms of the run's maximum; runs closer than 200 ms to the last beat merge with it. Allocation-free:
/// scratch comes from <see cref="ArrayPool{T}.Shared"/>, beats are written to the caller's span.
/// </remarks>
public static class LengthTransformDetector
{
    /// <summary>Writes the beats (sample indices, ascending) of <paramref name="ecg"/> to <paramref name="beats"/>; returns their number.</summary>
    /// <remarks><paramref name="beats"/> needs room for one beat per 200 ms; extra beats are dropped.</remarks>
    public static int Detect(ReadOnlySpan<float> ecg, double sampleRateHz, Span<int> beats)
    {
        int n = ecg.Length;
        if (n < 3 || beats.Length == 0) return 0;
        int w = Math.Max(1, (int)Math.Round(0.130 * sampleRateHz));
        int refractory = Math.Max(1, (int)Math.Round(0.200 * sampleRateHz));
        int search = Math.Max(1, (int)Math.Round(0.100 * sampleRateHz));
        double dtScale = 0.01 * sampleRateHz; // one sample = 1/fs s; express Δt in units where 10 ms ≙ 1 mV
        var pool = ArrayPool<float>.Shared;
        float[] incBuf = pool.Rent(n), ltBuf = pool.Rent(n), sortBuf = pool.Rent(n);
        try
        {
            var inc = incBuf.AsSpan(0, n);
            inc[0] = 0;
            double dt = 1 / dtScale;
            for (int i = 1; i < n; i++)
            {
                double dx = ecg[i] - ecg[i - 1];
                if (!double.IsFinite(dx)) dx = 0;
                inc[i] = (float)(Math.Sqrt(dt * dt + dx * dx) - dt);
            }
            // Centred moving sum over w samples.
            var lt = ltBuf.AsSpan(0, n);
            double sum = 0;
            int half = w / 2;
            for (int i = 0; i < n + half; i++)
            {
                if (i < n) sum += inc[i];
                if (i - w >= 0) sum -= inc[i - w];
                int c = i - half;
                if (c >= 0 && c < n) lt[c] = (float)Math.Max(0, sum);
            }
            // Median and 98th percentile by selection: the same values a sort gives, at a fraction of its cost (the
            // 98th from the top tail in one pass, the median by quickselect in a copy).
            double p98 = OrderStatistics.SelectTail(lt, Math.Min(n - 1, (int)(0.98 * n)));
            var sorted = sortBuf.AsSpan(0, n);
            lt.CopyTo(sorted);
            double median = OrderStatistics.SelectInPlace(sorted, n / 2);
            if (!(p98 > median) || p98 <= 1e-6) return 0; // flat or featureless: nothing to detect
            double threshold = median + 0.30 * (p98 - median);

            int count = 0;
            int i0 = 0;
            while (i0 < n)
            {
                if (lt[i0] <= threshold) { i0++; continue; }
                int runMax = i0;
                int j = i0;
                while (j < n && lt[j] > threshold) { if (lt[j] > lt[runMax]) runMax = j; j++; }
                int lo = Math.Max(0, runMax - search), hi = Math.Min(n - 1, runMax + search);
                int peak = runMax;
                float best = -1;
                for (int k = lo; k <= hi; k++)
                {
                    float a = Math.Abs(ecg[k]);
                    if (a > best) { best = a; peak = k; }
                }
                if (count > 0 && peak - beats[count - 1] < refractory)
                {
                    // Same complex (or a T wave right after it): keep the larger deflection.
                    if (Math.Abs(ecg[peak]) > Math.Abs(ecg[beats[count - 1]])) beats[count - 1] = peak;
                }
                else if (count < beats.Length) beats[count++] = peak;
                i0 = j;
            }
            return count;
        }
        finally
        {
            pool.Return(incBuf);
            pool.Return(ltBuf);
            pool.Return(sortBuf);
        }
    }
}
