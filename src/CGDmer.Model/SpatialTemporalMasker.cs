namespace CGDmer.Model;

/// <summary>
/// Chooses which patches to hide for spatial-temporal masked modelling. Three kinds of masks are combined so the encoder
/// must learn both inter-lead structure (reconstruct a whole lead from the others: the heart's dipole seen from another
/// angle) and temporal structure (fill a span in time from the rhythm around it):
/// whole leads, contiguous time spans across all leads, and random single patches, up to a target ratio of the
/// patches of present leads. Absent leads are never "masked": there is nothing to reconstruct.
/// </summary>
public sealed class SpatialTemporalMasker
{
    private readonly int _leads;
    private readonly int _patches;

    public SpatialTemporalMasker(int leads, int patchesPerLead, double maskRatio = 0.5,
        double leadShare = 0.34, double spanShare = 0.33, int maxSpanPatches = 4)
    {
        if (maskRatio is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(maskRatio), maskRatio, "Mask ratio must be in (0, 1).");
        _leads = leads;
        _patches = patchesPerLead;
        MaskRatio = maskRatio;
        LeadShare = leadShare;
        SpanShare = spanShare;
        MaxSpanPatches = Math.Max(1, maxSpanPatches);
    }

    public double MaskRatio { get; }
    public double LeadShare { get; }
    public double SpanShare { get; }
    public int MaxSpanPatches { get; }

    /// <summary>
    /// Fills <paramref name="hidden"/> ([leads × patches], row-major by lead) for one window.
    /// Returns the number of hidden patches.
    /// </summary>
    public int Sample(ReadOnlySpan<bool> leadPresent, Span<bool> hidden, Random rng)
    {
        hidden.Clear();
        Span<int> present = stackalloc int[_leads];
        int nPresent = 0;
        for (int l = 0; l < _leads; l++) if (leadPresent[l]) present[nPresent++] = l;
        if (nPresent == 0) return 0;
        int available = nPresent * _patches;
        int target = Math.Max(1, (int)Math.Round(MaskRatio * available));
        int count = 0;

        // 1. Whole leads (spatial). Always leave at least one present lead visible somewhere.
        if (nPresent > 1)
        {
            int leadBudget = (int)Math.Round(LeadShare * target);
            int leadsToHide = Math.Min(nPresent - 1, leadBudget / _patches);
            if (leadsToHide == 0 && leadBudget > 0 && rng.NextDouble() < (double)leadBudget / _patches) leadsToHide = 1;
            Shuffle(present[..nPresent], rng);
            for (int i = 0; i < leadsToHide; i++)
            {
                int l = present[i];
                for (int p = 0; p < _patches; p++) { hidden[l * _patches + p] = true; }
                count += _patches;
            }
        }

        // 2. Time spans across all present leads (temporal).
        int spanTarget = Math.Min(target, count + (int)Math.Round(SpanShare * target));
        int guard = 0;
        while (count < spanTarget && guard++ < 4 * _patches)
        {
            int len = rng.Next(1, MaxSpanPatches + 1);
            int start = rng.Next(0, Math.Max(1, _patches - len + 1));
            for (int p = start; p < Math.Min(_patches, start + len) && count < spanTarget; p++)
                for (int i = 0; i < nPresent && count < spanTarget; i++)
                {
                    int idx = present[i] * _patches + p;
                    if (!hidden[idx]) { hidden[idx] = true; count++; }
                }
        }

        // 3. Random patches up to the target.
        guard = 0;
        while (count < target && guard++ < 20 * available)
        {
            int idx = present[rng.Next(nPresent)] * _patches + rng.Next(_patches);
            if (!hidden[idx]) { hidden[idx] = true; count++; }
        }
        return count;
    }

    private static void Shuffle(Span<int> items, Random rng)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
