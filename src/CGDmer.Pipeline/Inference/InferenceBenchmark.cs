using System.Diagnostics;
using System.Globalization;
using CGDmer.Pipeline.Windowing;
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
    /// <summary>
    /// Present leads per window, one sweep each: 12 (a 12-lead ECG) and 2 (a bedside monitor like MIT-BIH's: II, V1).
    /// With fewer than all leads, the sweep times both the 12-row masked layout and the compacted one.
    /// </summary>
    public IReadOnlyList<int> PresentLeadCounts { get; set; } = [12, 2];
    public int IntraOpThreads { get; set; } = new InferenceOptions().IntraOpThreads;
    public bool AllowSpinning { get; set; }
    public GraphOptimizationLevel GraphOptimizationLevel { get; set; } = GraphOptimizationLevel.ORT_ENABLE_ALL;
    /// <summary>Also time the naive way (a NamedOnnxValue and DenseTensor per call, output copied with ToArray; 12 rows).</summary>
    public bool IncludeNaive { get; set; } = true;
}

/// <summary>One measured case. <paramref name="Rows"/>: lead rows the model computed per window (12, or the compacted set's size).</summary>
public sealed record InferenceBenchmarkResult(string Method, int BatchSize, int PresentLeads, int Rows, double WindowsPerSecond, double MillisecondsPerBatch);

/// <summary>
/// Model throughput on this machine, per present-lead count and batch size: (a) the naive way (fresh NamedOnnxValue /
/// DenseTensor per call, as the trainer's runner does, 12 rows), (b) <see cref="OnnxFindingsSession"/> with all 12 rows
/// (absent leads masked) and (c) the session with only the present leads' rows (compacted, as the infer stage feeds it).
/// All use the same session options so only the call path and the rows differ. For the host's <c>bench</c> verb; prints
/// a table to <c>output</c>.
/// </summary>
public static class InferenceBenchmark
{
    // The order a monitor records leads in: a 2-lead monitor has II and V1, a 3-lead one adds I, and so on.
    private static readonly Lead[] Preferred = [Lead.II, Lead.V1, Lead.I, Lead.V5, Lead.III, Lead.aVF, Lead.aVR, Lead.aVL, Lead.V2, Lead.V3, Lead.V4, Lead.V6];

    public static IReadOnlyList<InferenceBenchmarkResult> Run(string modelPath, TextWriter output, InferenceBenchmarkOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        var o = options ?? new InferenceBenchmarkOptions();
        if (o.BatchSizes.Count == 0 || o.BatchSizes.Any(b => b < 1)) throw new ArgumentException("batch sizes must be ≥ 1", nameof(options));
        if (!(o.SecondsPerCase > 0)) throw new ArgumentException("SecondsPerCase must be > 0", nameof(options));
        if (o.PresentLeadCounts.Count == 0) throw new ArgumentException("PresentLeadCounts must not be empty", nameof(options));
        int maxBatch = o.BatchSizes.Max();
        var sessionOptions = new InferenceOptions
        {
            ExecutionProvider = ExecutionProviderChoice.Cpu, IntraOpThreads = o.IntraOpThreads, AllowSpinning = o.AllowSpinning,
            GraphOptimizationLevel = o.GraphOptimizationLevel, MaxBatchSize = maxBatch, WarmUp = false,
            // The sweep times each batch size at its own shape; the service's fixed shape would pad every batch to the largest.
            FixedBatchShape = false,
        };
        var results = new List<InferenceBenchmarkResult>();
        using var session = new OnnxFindingsSession(modelPath, sessionOptions);
        var g = session.Geometry;
        if (o.PresentLeadCounts.Any(p => p < 1 || p > g.LeadCount)) throw new ArgumentException($"PresentLeadCounts must be within 1..{g.LeadCount}", nameof(options));
        int labels = session.Metadata.Labels.Count;
        var allLeads = g.LeadOrder.ToArray();
        var allIds = Enumerable.Range(0, g.LeadCount).Select(i => (long)i).ToArray();

        output.WriteLine($"{Environment.ProcessorCount} cores; model {Path.GetFileName(modelPath)} ({g.LeadCount}×{g.WindowSamples}), " +
                         $"intra-op threads {(o.IntraOpThreads == 0 ? "default" : o.IntraOpThreads.ToString(CultureInfo.InvariantCulture))}, spinning {(o.AllowSpinning ? "on" : "off")}, {o.GraphOptimizationLevel}");
        output.WriteLine($"{"method",-26} {"present",7} {"rows",4} {"batch",5} {"windows/s",10} {"ms/batch",9}");

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
            foreach (int present in o.PresentLeadCounts)
            {
                // The present leads in model row order: the infer stage's layout for such a window.
                var presentLeads = Preferred.Where(l => g.RowOf(l) >= 0).Take(present).OrderBy(g.RowOf).ToArray();
                var (fullEcg, fullMask) = Input(g, maxBatch, allLeads, presentLeads);
                var (compactEcg, compactMask) = Input(g, maxBatch, presentLeads, presentLeads);
                foreach (int batch in o.BatchSizes)
                {
                    int n = batch;
                    if (naive is not null)
                    {
                        results.Add(Measure("naive NamedOnnxValue", n, present, g.LeadCount, () =>
                        {
                            var inputs = new[]
                            {
                                NamedOnnxValue.CreateFromTensor(ModelMetadata.EcgInput, new DenseTensor<float>(fullEcg.AsMemory(0, n * g.LeadCount * g.WindowSamples), [n, g.LeadCount, g.WindowSamples])),
                                NamedOnnxValue.CreateFromTensor(ModelMetadata.LeadMaskInput, new DenseTensor<float>(fullMask.AsMemory(0, n * g.LeadCount), [n, g.LeadCount])),
                                NamedOnnxValue.CreateFromTensor(ModelMetadata.LeadIdsInput, new DenseTensor<long>(allIds, [g.LeadCount])),
                            };
                            using var r = naive.Run(inputs, [ModelMetadata.ProbabilitiesOutput]);
                            _ = r[0].AsTensor<float>().ToArray();
                        }));
                    }
                    fullEcg.CopyTo(session.EcgInput);
                    fullMask.CopyTo(session.LeadMaskInput);
                    results.Add(Measure("session, 12 rows masked", n, present, g.LeadCount, () => session.Run(n, allLeads, probabilities)));
                    if (presentLeads.Length < g.LeadCount)
                    {
                        compactEcg.CopyTo(session.EcgInput);
                        compactMask.CopyTo(session.LeadMaskInput);
                        results.Add(Measure("session, compacted", n, present, presentLeads.Length, () => session.Run(n, presentLeads, probabilities)));
                    }
                }
            }
        }
        finally
        {
            naive?.Dispose();
            naiveOptions?.Dispose();
        }
        return results;

        InferenceBenchmarkResult Measure(string method, int batch, int present, int rows, Action run)
        {
            for (int i = 0; i < 3; i++) run();
            int runs = 0;
            var sw = Stopwatch.StartNew();
            while (sw.Elapsed.TotalSeconds < o.SecondsPerCase) { run(); runs++; }
            double s = sw.Elapsed.TotalSeconds;
            var r = new InferenceBenchmarkResult(method, batch, present, rows, runs * batch / s, 1000 * s / runs);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{method,-26} {present,7} {rows,4} {batch,5} {r.WindowsPerSecond,10:F1} {r.MillisecondsPerBatch,9:F2}"));
            return r;
        }
    }

    /// <summary>
    /// Deterministic ECG-like input for <paramref name="windows"/> windows laid out with the rows of <paramref name="layout"/>:
    /// a 1.2 Hz spiky wave plus noise in the rows of <paramref name="present"/> leads, zero and masked elsewhere. The
    /// samples of a lead do not depend on the layout, so the masked and compacted layouts hold the same windows.
    /// </summary>
    private static (float[] Ecg, float[] Mask) Input(WindowGeometry g, int windows, Lead[] layout, Lead[] present)
    {
        int rows = layout.Length, s = g.WindowSamples;
        var ecg = new float[windows * rows * s];
        var mask = new float[windows * rows];
        for (int w = 0; w < windows; w++)
            for (int j = 0; j < rows; j++)
            {
                if (Array.IndexOf(present, layout[j]) < 0) continue;
                mask[w * rows + j] = 1;
                var rng = new Random(1 + w * 16 + (int)layout[j]);
                for (int t = 0; t < s; t++)
                {
                    double phase = (t / (double)g.SampleRateHz * 1.2 + w * 0.1) % 1.0;
                    ecg[(w * rows + j) * s + t] = (float)(Math.Exp(-Math.Pow((phase - 0.3) / 0.02, 2)) + 0.05 * (rng.NextDouble() - 0.5));
                }
            }
        return (ecg, mask);
    }
}
