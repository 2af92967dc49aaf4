using CGDmer.Contracts.Model;
using CGDmer.Trainer.Data;
using CGDmer.Model.Export;
using CGDmer.Signal;
using CGDmer.Signal.Beats;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using ModelMetadata = CGDmer.Contracts.Model.ModelMetadata;

namespace CGDmer.Trainer;

/// <summary>
/// Runs an exported findings model in ONNX Runtime (CPU) over windows, in batches with reused buffers. Windows are fed
/// as all 12 rows with <c>lead_ids</c> 0..11 (the layout of <see cref="WindowSet"/>), absent leads masked: simple and
/// correct for mixed lead sets within a batch; the streaming service's infer stage is the one that compacts. A model with
/// a rhythm input gets each window's features from the set (which must then carry them, <see cref="WindowSet.RhythmFeatureCount"/>).
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
        int f = RhythmFeatureCount;
        if (f > 0 && set.RhythmFeatureCount != f)
            throw new InvalidDataException($"The model takes {f} rhythm features ('{Metadata.RhythmFeatures}'); the windows carry {set.RhythmFeatureCount}.");
        var rhythm = new float[batchSize * f];
        for (int start = 0; start < indices.Length; start += batchSize)
        {
            int n = Math.Min(batchSize, indices.Length - start);
            set.CopyBatch(indices.AsSpan(start, n), ecg, mask, lab);
            if (f > 0) set.CopyRhythm(indices.AsSpan(start, n), rhythm, contexts: 0);
            var probs = Run(ecg, mask, n, rhythm);
            Array.Copy(probs, 0, result, start * labels, n * labels);
        }
        return result;
    }

    /// <summary>Rhythm features the model takes per window (0: none).</summary>
    public int RhythmFeatureCount => Metadata.HasRhythmInput ? RhythmFeatures.CountOf(Metadata.RhythmFeatures) : 0;

    /// <param name="rhythm">[batch × <see cref="RhythmFeatureCount"/>] features; null gives zeros.</param>
    public float[] Run(float[] ecg, float[] mask, int batch, float[]? rhythm = null)
    {
        int s = Metadata.WindowSamples, f = RhythmFeatureCount;
        var inputs = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor(OnnxExporter.EcgInput, new DenseTensor<float>(ecg.AsMemory(0, batch * Leads.Count * s), [batch, Leads.Count, s])),
            NamedOnnxValue.CreateFromTensor(OnnxExporter.LeadMaskInput, new DenseTensor<float>(mask.AsMemory(0, batch * Leads.Count), [batch, Leads.Count])),
            NamedOnnxValue.CreateFromTensor(OnnxExporter.LeadIdsInput, new DenseTensor<long>(AllLeadIds, [Leads.Count])),
        };
        if (f > 0)
            inputs.Add(NamedOnnxValue.CreateFromTensor(OnnxExporter.RhythmFeaturesInput,
                new DenseTensor<float>((rhythm ?? new float[batch * f]).AsMemory(0, batch * f), [batch, f])));
        using var results = _session.Run(inputs, [OnnxExporter.ProbabilitiesOutput]);
        return results[0].AsTensor<float>().ToArray();
    }

    public void Dispose() => _session.Dispose();
}
