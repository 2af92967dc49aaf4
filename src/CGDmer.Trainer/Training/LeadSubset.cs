using CGDmer.Model;
using CGDmer.Signal;
using static TorchSharp.torch;

namespace CGDmer.Trainer.Training;

/// <summary>Drops the leads absent from every window of a batch (see <see cref="EcgEncoder.Encode"/> for why that is exact).</summary>
public static class LeadSubset
{
    public static PretrainBatch Compact(PretrainBatch batch, ReadOnlySpan<float> leadMask)
    {
        var idx = UsedLeads(leadMask);
        if (idx is null) return batch;
        return new PretrainBatch(batch.Ecg.index_select(1, idx), batch.LeadMask.index_select(1, idx),
            batch.HiddenPatches.index_select(1, idx), batch.ReportTokens, idx);
    }

    /// <summary>The same for inference and fine-tuning, where there is no mask to hide patches and no report.</summary>
    public static (Tensor Ecg, Tensor LeadMask, Tensor? LeadIds) Compact(Tensor ecg, Tensor leadMaskTensor, ReadOnlySpan<float> leadMask)
    {
        var idx = UsedLeads(leadMask);
        return idx is null ? (ecg, leadMaskTensor, null) : (ecg.index_select(1, idx), leadMaskTensor.index_select(1, idx), idx);
    }

    /// <summary>Indices of the leads present in at least one row of [rows × 12] <paramref name="leadMask"/>; null when all or none are.</summary>
    private static Tensor? UsedLeads(ReadOnlySpan<float> leadMask)
    {
        Span<bool> used = stackalloc bool[Leads.Count];
        int rows = leadMask.Length / Leads.Count, n = 0;
        for (int r = 0; r < rows; r++)
            for (int l = 0; l < Leads.Count; l++)
                if (leadMask[r * Leads.Count + l] > 0.5f && !used[l]) { used[l] = true; n++; }
        if (n == Leads.Count || n == 0) return null;
        var ids = new long[n];
        for (int l = 0, k = 0; l < Leads.Count; l++) if (used[l]) ids[k++] = l;
        return tensor(ids);
    }
}
