using CGDmer.Model;
using CGDmer.Trainer.Data;
using CGDmer.Signal;
using static TorchSharp.torch;

namespace CGDmer.Trainer.Training;

/// <summary>Runs a frozen encoder over windows in batches (lead-homogeneous, so 2-lead windows stay cheap).</summary>
public static class Embedder
{
    /// <summary>Pooled embeddings [indices.Length × D], row k for window indices[k].</summary>
    public static float[] Embed(EcgEncoder encoder, WindowSet data, int[] indices, int dim, int batchSize = 128)
    {
        var result = new float[indices.Length * dim];
        var positions = Enumerable.Range(0, indices.Length).ToArray();
        // Group by lead signature so LeadSubset can drop absent leads.
        Array.Sort(positions, (a, b) => Signature(data, indices[a]).CompareTo(Signature(data, indices[b])));
        var ecg = new float[batchSize * data.WindowStride];
        var mask = new float[batchSize * Leads.Count];
        var labels = new float[batchSize * data.Labels.Count];
        var idx = new int[batchSize];
        bool wasTraining = encoder.training;
        encoder.eval();
        using (no_grad())
        {
            for (int start = 0; start < positions.Length; start += batchSize)
            {
                int n = Math.Min(batchSize, positions.Length - start);
                for (int k = 0; k < n; k++) idx[k] = indices[positions[start + k]];
                data.CopyBatch(idx.AsSpan(0, n), ecg, mask, labels);
                using var scope = NewDisposeScope();
                var (e, m, ids) = LeadSubset.Compact(
                    tensor(ecg.AsSpan(0, n * data.WindowStride).ToArray(), [n, Leads.Count, data.WindowSamples]),
                    tensor(mask.AsSpan(0, n * Leads.Count).ToArray(), [n, Leads.Count]), mask.AsSpan(0, n * Leads.Count));
                var (_, pooled) = encoder.Encode(e, m, null, ids);
                var rows = pooled.data<float>().ToArray();
                for (int k = 0; k < n; k++)
                    Array.Copy(rows, k * dim, result, positions[start + k] * dim, dim);
            }
        }
        if (wasTraining) encoder.train();
        return result;
    }

    internal static int Signature(WindowSet data, int i)
    {
        int sig = 0;
        var m = data.LeadMask(i);
        for (int l = 0; l < Leads.Count; l++) if (m[l] > 0.5f) sig |= 1 << l;
        return sig;
    }
}
