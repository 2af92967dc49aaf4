using System.Diagnostics;
using System.Globalization;
using CGDmer.Signal;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using ModelMetadata = CGDmer.Contracts.Model.ModelMetadata;

namespace CGDmer.Pipeline.Inference;

/// <summary>What <see cref="InferenceBenchmark.Run"/> measures.</summary>
public sealed class InferenceBenchmarkOptions
{
    public IReadOnlyList<int> BatchSizes { get; set; } = [1, 2, 4, 8, 16, 32, 64];
    /// <summary>Measured time per case (after three warm-up runs).</summary>
    public double SecondsPerCase { get; set; } = 3;
    /// <summary>Present leads per window: 12 (a 12-lead ECG) or fewer (2 = a bedside monitor like MIT-BIH's).</summary>
    public int PresentLeads { get; set; } = 12;
    public int IntraOpThreads { get; set; }
    public bool AllowSpinning { get; set; }
    public GraphOptimizationLevel GraphOptimizationLevel { get; set; } = GraphOptimizationLevel.ORT_ENABLE_ALL;
    /// <summary>Also time the naive way (a NamedOnnxValue and DenseTensor per call, output copied with ToArray).</summary>
    public bool IncludeNaive { get; set; } = true;
}

/// <summary>One measured case.</summary>
public sealed record InferenceBenchmarkResult(string Method, int BatchSize, int PresentLeads, double WindowsPerSecond, double MillisecondsPerBatch);

/// <summary>
/// Model throughput on this machine, per batch size: (a) the naive way (fresh NamedOnnxValue / DenseTensor per call, as
/// the trainer's runner does) and (b) <see cref="OnnxFindingsSession"/> (pre-bound OrtValues). Both use the same session
/// options so only the call path differs. For the host's <c>bench</c> verb; prints a table to <c>output</c>.
/// </summary>
public static class InferenceBenchmark
{
    public static IReadOnlyList<InferenceBenchmarkResult> Run(string modelPath, TextWriter output, InferenceBenchmarkOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        var o = options ?? new InferenceBenchmarkOptions();
        if (o.BatchSizes.Count == 0 || o.BatchSizes.Any(b => b < 1)) throw new ArgumentException("batch sizes must be ≥ 1", nameof(options));
        if (!(o.SecondsPerCase > 0)) throw new ArgumentException("SecondsPerCase must be > 0", nameof(options));
        int maxBatch = o.BatchSizes.Max();
        var sessionOptions = new InferenceOptions
        {
            ExecutionProvider = ExecutionProviderChoice.Cpu, IntraOpThreads = o.IntraOpThreads, AllowSpinning = o.AllowSpinning,
            GraphOptimizationLevel = o.GraphOptimizationLevel, MaxBatchSize = maxBatch, WarmUp = false,
        };
        var results = new List<InferenceBenchmarkResult>();
        using var session = new OnnxFindingsSession(modelPath, sessionOptions);
        var g = session.Geometry;
        if (o.PresentLeads < 1 || o.PresentLeads > g.LeadCount) throw new ArgumentException($"PresentLeads must be within 1..{g.LeadCount}", nameof(options));
        int stride = g.LeadCount * g.WindowSamples, labels = session.Metadata.Labels.Count;

        // Deterministic ECG-like input: a 1.2 Hz spiky wave plus noise in the present rows (leads II, V1, … first, as a monitor records).
        var ecg = session.EcgInput.Span;
        var mask = session.LeadMaskInput.Span;
        ecg.Clear();
        mask.Clear();
        Lead[] preferred = [Lead.II, Lead.V1, Lead.I, Lead.V5, Lead.III, Lead.aVF, Lead.aVR, Lead.aVL, Lead.V2, Lead.V3, Lead.V4, Lead.V6];
        var rng = new Random(1);
        for (int w = 0; w < maxBatch; w++)
            foreach (var lead in preferred.Where(l => g.RowOf(l) >= 0).Take(o.PresentLeads))
            {
                int row = g.RowOf(lead);
                mask[w * g.LeadCount + row] = 1;
                for (int t = 0; t < g.WindowSamples; t++)
                {
                    double phase = (t / (double)g.SampleRateHz * 1.2 + w * 0.1) % 1.0;
                    ecg[w * stride + row * g.WindowSamples + t] = (float)(Math.Exp(-Math.Pow((phase - 0.3) / 0.02, 2)) + 0.05 * (rng.NextDouble() - 0.5));
                }
            }
        var ecgCopy = session.EcgInput.ToArray();
        var maskCopy = session.LeadMaskInput.ToArray();

        output.WriteLine($"{Environment.ProcessorCount} cores; model {Path.GetFileName(modelPath)} ({g.LeadCount}×{g.WindowSamples}), {o.PresentLeads} present leads, " +
                         $"intra-op threads {(o.IntraOpThreads == 0 ? "default" : o.IntraOpThreads.ToString(CultureInfo.InvariantCulture))}, spinning {(o.AllowSpinning ? "on" : "off")}, {o.GraphOptimizationLevel}");
        output.WriteLine($"{"method",-22} {"batch",5} {"windows/s",10} {"ms/batch",9}");

        InferenceSession? naive = null;
        SessionOptions? naiveOptions = null;
        if (o.IncludeNaive)
        {
            naiveOptions = new SessionOptions
            {
                GraphOptimizationLevel = o.GraphOptimizationLevel, IntraOpNumThreads = o.IntraOpThreads, InterOpNumThreads = 1,
                ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            };
            naiveOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", o.AllowSpinning ? "1" : "0");
            naive = new InferenceSession(modelPath, naiveOptions);
        }
        try
        {
            var probabilities = new float[maxBatch * labels];
            foreach (int batch in o.BatchSizes)
            {
                if (naive is not null)
                {
                    int n = batch;
                    results.Add(Measure("naive NamedOnnxValue", n, () =>
                    {
                        var inputs = new[]
                        {
                            NamedOnnxValue.CreateFromTensor(ModelMetadata.EcgInput, new DenseTensor<float>(ecgCopy.AsMemory(0, n * stride), [n, g.LeadCount, g.WindowSamples])),
                            NamedOnnxValue.CreateFromTensor(ModelMetadata.LeadMaskInput, new DenseTensor<float>(maskCopy.AsMemory(0, n * g.LeadCount), [n, g.LeadCount])),
                        };
                        using var r = naive.Run(inputs, [ModelMetadata.ProbabilitiesOutput]);
                        _ = r[0].AsTensor<float>().ToArray();
                    }));
                }
                results.Add(Measure("OnnxFindingsSession", batch, () => session.Run(batch, probabilities)));
            }
        }
        finally
        {
            naive?.Dispose();
            naiveOptions?.Dispose();
        }
        return results;

        InferenceBenchmarkResult Measure(string method, int batch, Action run)
        {
            for (int i = 0; i < 3; i++) run();
            int runs = 0;
            var sw = Stopwatch.StartNew();
            while (sw.Elapsed.TotalSeconds < o.SecondsPerCase) { run(); runs++; }
            double s = sw.Elapsed.TotalSeconds;
            var r = new InferenceBenchmarkResult(method, batch, o.PresentLeads, runs * batch / s, 1000 * s / runs);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{method,-22} {batch,5} {r.WindowsPerSecond,10:F1} {r.MillisecondsPerBatch,9:F2}"));
            return r;
        }
    }
}
