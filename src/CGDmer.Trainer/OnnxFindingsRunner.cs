using CGDmer.Contracts.Model;
using CGDmer.Model.Data;
using CGDmer.Model.Export;
using CGDmer.Signal;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using ModelMetadata = CGDmer.Contracts.Model.ModelMetadata;

namespace CGDmer.Trainer;

/// <summary>
/// Runs an exported findings model in ONNX Runtime (CPU) over windows, in batches with reused buffers. Windows are fed
/// as all 12 rows with <c>lead_ids</c> 0..11 (the layout of <see cref="WindowSet"/>), absent leads masked: simple and
/// correct for mixed lead sets within a batch; the streaming service's infer stage is the one that compacts.
/// </summary>
internal sealed class OnnxFindingsRunner : IDisposable
{
    private static readonly long[] AllLeadIds = Enumerable.Range(0, Leads.Count).Select(i => (long)i).ToArray();
    private readonly InferenceSession _session;

    public OnnxFindingsRunner(string path, int threads = 0)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Model file '{path}' does not exist.", path);
        var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        if (threads > 0) options.IntraOpNumThreads = threads;
        try { _session = new InferenceSession(path, options); }
        catch (OnnxRuntimeException e) { throw new InvalidDataException($"'{path}' is not a loadable ONNX model: {e.Message}", e); }
        Metadata = ModelMetadata.FromProperties(_session.ModelMetadata.CustomMetadataMap, path);
    }

    public ModelMetadata Metadata { get; }

    /// <summary>Probabilities [n × labels] for windows <paramref name="indices"/> of <paramref name="set"/>.</summary>
    public float[] Predict(WindowSet set, int[] indices, int batchSize = 32)
    {
        int labels = Metadata.Labels.Count, s = Metadata.WindowSamples;
        var result = new float[indices.Length * labels];
        var ecg = new float[batchSize * Leads.Count * s];
        var mask = new float[batchSize * Leads.Count];
        var lab = new float[batchSize * set.Labels.Count];
        for (int start = 0; start < indices.Length; start += batchSize)
        {
            int n = Math.Min(batchSize, indices.Length - start);
            set.CopyBatch(indices.AsSpan(start, n), ecg, mask, lab);
            var probs = Run(ecg, mask, n);
            Array.Copy(probs, 0, result, start * labels, n * labels);
        }
        return result;
    }

    public float[] Run(float[] ecg, float[] mask, int batch)
    {
        int s = Metadata.WindowSamples;
        var inputs = new[]
        {
            NamedOnnxValue.CreateFromTensor(OnnxExporter.EcgInput, new DenseTensor<float>(ecg.AsMemory(0, batch * Leads.Count * s), [batch, Leads.Count, s])),
            NamedOnnxValue.CreateFromTensor(OnnxExporter.LeadMaskInput, new DenseTensor<float>(mask.AsMemory(0, batch * Leads.Count), [batch, Leads.Count])),
            NamedOnnxValue.CreateFromTensor(OnnxExporter.LeadIdsInput, new DenseTensor<long>(AllLeadIds, [Leads.Count])),
        };
        using var results = _session.Run(inputs, [OnnxExporter.ProbabilitiesOutput]);
        return results[0].AsTensor<float>().ToArray();
    }

    public void Dispose() => _session.Dispose();
}
