using CGDmer.Signal;
using static TorchSharp.torch;

namespace CGDmer.Model.Training;

/// <summary>Drops the leads absent from every window of a batch (see <see cref="EcgEncoder.Encode"/> for why that is exact).</summary>
public static class LeadSubset
{
    public static PretrainBatch Compact(PretrainBatch batch, ReadOnlySpan<float> leadMask)
    {
        Span<bool> used = stackalloc bool[Leads.Count];
        int rows = leadMask.Length / Leads.Count, n = 0;
        for (int r = 0; r < rows; r++)
            for (int l = 0; l < Leads.Count; l++)
                if (leadMask[r * Leads.Count + l] > 0.5f && !used[l]) { used[l] = true; n++; }
        if (n == Leads.Count || n == 0) return batch;
        var ids = new long[n];
        for (int l = 0, k = 0; l < Leads.Count; l++) if (used[l]) ids[k++] = l;
        var idx = tensor(ids);
        return new PretrainBatch(batch.Ecg.index_select(1, idx), batch.LeadMask.index_select(1, idx),
            batch.HiddenPatches.index_select(1, idx), batch.ReportTokens, idx);
    }
}
