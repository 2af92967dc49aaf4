using CGDmer.Pipeline.OnnxRuntime;
using CGDmer.Contracts.Model;
using CGDmer.Onnx.Proto;
using CGDmer.Pipeline.Batching;
using CGDmer.Pipeline.Inference;
using CGDmer.Pipeline.Measurement;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using System.Reactive.Linq;
using ModelMetadata = CGDmer.Contracts.Model.ModelMetadata;

namespace CGDmer.Pipeline.OnnxRuntime.Tests;

public sealed class OnnxFindingsSessionTests : IDisposable
{
    private static readonly string ModelPath = Path.Combine(AppContext.BaseDirectory, "assets", "cgdmer-small.onnx");
    private readonly string _dir = Directory.CreateTempSubdirectory("cgdmer-infer-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static OnnxRuntimeOptions Cpu(int maxBatch = 4) => new() { ExecutionProvider = ExecutionProviderChoice.Cpu, MaxBatchSize = maxBatch, IntraOpThreads = 1 };

    /// <summary>Random ECG-like input in [−1, 1] mV for <paramref name="masks"/>.Length windows; absent rows are zero.</summary>
    private static (float[] Ecg, float[] Mask) Input(WindowGeometry g, int seed, params Lead[][] masks)
    {
        var rng = new Random(seed);
        int stride = g.LeadCount * g.WindowSamples;
        var ecg = new float[masks.Length * stride];
        var mask = new float[masks.Length * g.LeadCount];
        for (int w = 0; w < masks.Length; w++)
            foreach (var lead in masks[w])
            {
                int row = g.RowOf(lead);
                mask[w * g.LeadCount + row] = 1;
                for (int t = 0; t < g.WindowSamples; t++) ecg[w * stride + row * g.WindowSamples + t] = (float)(rng.NextDouble() * 2 - 1);
            }
        return (ecg, mask);
    }

    /// <summary>
    /// The plain way: a fresh InferenceSession with default options and NamedOnnxValue inputs, all 12 rows with
    /// lead_ids 0..11 (absent leads masked) — what contract version 1 computed.
    /// </summary>
    private static float[] Reference(float[] ecg, float[] mask, int batch, WindowGeometry g)
    {
        using var session = new InferenceSession(ModelPath);
        List<NamedOnnxValue> inputs = [
            NamedOnnxValue.CreateFromTensor(ModelMetadata.EcgInput, new DenseTensor<float>(ecg, [batch, g.LeadCount, g.WindowSamples])),
            NamedOnnxValue.CreateFromTensor(ModelMetadata.LeadMaskInput, new DenseTensor<float>(mask, [batch, g.LeadCount])),
            NamedOnnxValue.CreateFromTensor(ModelMetadata.LeadIdsInput, new DenseTensor<long>(Enumerable.Range(0, g.LeadCount).Select(i => (long)i).ToArray(), [g.LeadCount])),
        ];
        // The session's rhythm feature buffer holds zeros unless a batch writes it; so does the reference's.
        if (session.InputMetadata.TryGetValue(ModelMetadata.RhythmFeaturesInput, out var rhythm))
            inputs.Add(NamedOnnxValue.CreateFromTensor(ModelMetadata.RhythmFeaturesInput,
                new DenseTensor<float>(new float[batch * rhythm.Dimensions[1]], [batch, rhythm.Dimensions[1]])));
        using var results = session.Run(inputs, [ModelMetadata.ProbabilitiesOutput]);
        return results[0].AsTensor<float>().ToArray();
    }

    private static float[] RunSession(OnnxFindingsSession s, float[] ecg, float[] mask, int batch)
    {
        ecg.CopyTo(s.EcgInput.Span);
        mask.CopyTo(s.LeadMaskInput.Span);
        var p = new float[batch * s.Metadata.Labels.Count];
        s.Run(batch, p);
        return p;
    }

    private static void Close(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5, $"[{i}] {expected[i]} vs {actual[i]}");
    }

    [Fact]
    public void Loads_the_shipped_model_with_its_contract()
    {
        using var s = new OnnxFindingsSession(ModelPath, Cpu());
        Assert.Equal("CPU", s.ExecutionProvider);
        Assert.Equal("cgdmer-small", s.Metadata.ModelName);
        Assert.Equal(12, s.Geometry.LeadCount);
        Assert.Equal(s.Metadata.WindowSamples, s.Geometry.WindowSamples);
        Assert.Equal(4 * 12 * s.Geometry.WindowSamples, s.EcgInput.Length);
        Assert.Equal(4 * 12, s.LeadMaskInput.Length);
        Assert.NotEmpty(s.Metadata.Labels);
        Assert.Contains(s.Metadata.Labels, l => l.Key == "atrial_fibrillation");
    }

    [Fact]
    public void Batch_of_one_equals_a_plain_InferenceSession_run()
    {
        using var s = new OnnxFindingsSession(ModelPath, Cpu());
        var (ecg, mask) = Input(s.Geometry, 1, [Lead.II, Lead.V1]);
        var actual = RunSession(s, ecg, mask, 1);
        Close(Reference(ecg, mask, 1, s.Geometry), actual);
        Assert.All(actual, p => Assert.InRange(p, 0f, 1f));
        // Again, after runs at another size used other views of the same buffers.
        var (ecg3, mask3) = Input(s.Geometry, 2, Leads.StandardOrder.ToArray(), [Lead.I], [Lead.II, Lead.V5]);
        RunSession(s, ecg3, mask3, 3);
        Close(actual, RunSession(s, ecg, mask, 1));
    }

    [Fact]
    public void A_mixed_batch_equals_the_plain_run_and_each_window_alone()
    {
        using var s = new OnnxFindingsSession(ModelPath, Cpu());
        Lead[][] masks = [Leads.StandardOrder.ToArray(), [Lead.II, Lead.V1], [Lead.I]];
        var (ecg, mask) = Input(s.Geometry, 5, masks);
        var batch = RunSession(s, ecg, mask, 3);
        Close(Reference(ecg, mask, 3, s.Geometry), batch);
        int stride = 12 * s.Geometry.WindowSamples, labels = s.Metadata.Labels.Count;
        for (int w = 0; w < 3; w++)
        {
            var alone = RunSession(s, ecg[(w * stride)..((w + 1) * stride)], mask[(w * 12)..((w + 1) * 12)], 1);
            Close(batch[(w * labels)..((w + 1) * labels)], alone);
        }
    }

    [Fact]
    public void Through_the_infer_operator_windows_get_the_plain_run_probabilities()
    {
        using var s = new OnnxFindingsSession(ModelPath, Cpu(maxBatch: 2));
        var g = s.Geometry;
        Lead[][] masks = [[Lead.II, Lead.V1], [], Leads.StandardOrder.ToArray(), [Lead.I]];
        var (ecg, mask) = Input(g, 9, masks);
        int stride = g.LeadCount * g.WindowSamples;
        var windows = masks.Select((m, i) =>
        {
            var signal = System.Buffers.ArrayPool<float>.Shared.Rent(stride);
            ecg.AsSpan(i * stride, stride).CopyTo(signal);
            var w = new EcgWindow("p", "d", i, DateTimeOffset.UnixEpoch, g, signal, mask[(i * 12)..((i + 1) * 12)], m, [], 1,
                                  m.Length > 0 ? WindowStatus.Analyzable : WindowStatus.NoSignal, 0);
            return new MeasuredWindow(w, WindowMeasurement.None);
        }).ToArray();
        var output = Observable.Return(new WindowBatch(0, windows, 0)).Infer(s, new InferOptions()).ToList().Wait();
        int labels = s.Metadata.Labels.Count;
        foreach (int i in new[] { 0, 2, 3 })
            Close(Reference(ecg[(i * stride)..((i + 1) * stride)], mask[(i * 12)..((i + 1) * 12)], 1, g), output[i].Probabilities!);
        Assert.Null(output[1].Probabilities);
        Assert.Equal(labels, output[0].Probabilities!.Length);
    }

    /// <summary>The 12-row input of <paramref name="count"/> windows, compacted to the rows of <paramref name="leads"/>.</summary>
    private static (float[] Ecg, float[] Mask) Compact(WindowGeometry g, float[] ecg, float[] mask, int count, Lead[] leads)
    {
        int s = g.WindowSamples, k = leads.Length;
        var cEcg = new float[count * k * s];
        var cMask = new float[count * k];
        for (int w = 0; w < count; w++)
            for (int j = 0; j < k; j++)
            {
                int row = g.RowOf(leads[j]);
                Array.Copy(ecg, (w * g.LeadCount + row) * s, cEcg, (w * k + j) * s, s);
                cMask[w * k + j] = mask[w * g.LeadCount + row];
            }
        return (cEcg, cMask);
    }

    public static TheoryData<string> CompactedSets => new() { "II,V1", "V5,I,aVF", "II", "I,II,III,aVR,aVL,aVF,V1,V2,V3,V4,V5,V6", "V6,V5,V4,V3,V2,V1,aVF,aVL,aVR,III,II,I" };

    [Theory]
    [MemberData(nameof(CompactedSets))]
    public void A_compacted_run_equals_the_plain_twelve_row_run(string names)
    {
        var leads = names.Split(',').Select(n => Leads.TryParse(n, out var l) ? l : throw new ArgumentException(n)).ToArray();
        using var s = new OnnxFindingsSession(ModelPath, Cpu());
        var g = s.Geometry;
        // Three windows: all the set's leads present, one of them off (when there is more than one), all present again.
        Lead[][] present = [leads, leads.Length > 1 ? leads[1..] : leads, leads];
        var (ecg, mask) = Input(g, leads.Length, present);
        var expected = Reference(ecg, mask, 3, g);
        foreach (int count in new[] { 1, 3 })
        {
            var (cEcg, cMask) = Compact(g, ecg, mask, count, leads);
            cEcg.CopyTo(s.EcgInput.Span);
            cMask.CopyTo(s.LeadMaskInput.Span);
            var p = new float[count * s.Metadata.Labels.Count];
            s.Run(count, leads, p);
            Close(expected[..p.Length], p);
        }
    }

    [Fact]
    public void Compaction_through_the_infer_stage_matches_the_plain_run_for_a_mixed_batch()
    {
        // 2-lead, 12-lead and 1-lead windows interleaved, more of them than a model call takes: each group runs in
        // chunks, and every window still gets the probabilities of its own plain 12-row run, in the batch's order.
        using var s = new OnnxFindingsSession(ModelPath, Cpu(maxBatch: 2));
        var g = s.Geometry;
        Lead[] monitor = [Lead.II, Lead.V1], twelve = [.. Leads.StandardOrder], single = [Lead.II];
        Lead[][] recorded = [monitor, twelve, single, monitor, monitor, twelve, single, monitor];
        // Window 4 has V1 off: recorded but masked; it must stay in the 2-lead group with V1 masked.
        Lead[][] present = [.. recorded.Select((r, i) => i == 4 ? [Lead.II] : r)];
        var (ecg, mask) = Input(g, 21, present);
        int stride = g.LeadCount * g.WindowSamples;
        var windows = recorded.Select((r, i) =>
        {
            var signal = System.Buffers.ArrayPool<float>.Shared.Rent(stride);
            ecg.AsSpan(i * stride, stride).CopyTo(signal);
            var missing = r.Except(present[i]).ToArray();
            var w = new EcgWindow("p", "d", i, DateTimeOffset.UnixEpoch, g, signal, mask[(i * 12)..((i + 1) * 12)], r, missing, 1, WindowStatus.Analyzable, 0);
            return new MeasuredWindow(w, WindowMeasurement.None);
        }).ToArray();
        var output = new BatchInference(s).Analyze(new WindowBatch(0, windows, 0));
        var expected = Reference(ecg, mask, recorded.Length, g);
        int labels = s.Metadata.Labels.Count;
        for (int i = 0; i < recorded.Length; i++)
        {
            Assert.Same(windows[i].Window, output[i].Window);
            Close(expected[(i * labels)..((i + 1) * labels)], output[i].Probabilities!);
        }
        Assert.All(windows, w => Assert.True(w.Window.SignalReleased));
    }

    /// <summary>
    /// Re-processing after a restart or rebalance batches a window with different neighbours; its Observation must be the
    /// same resource, so its probabilities must not depend on the batch it ran in — bit for bit, not just within 1e-5.
    /// (Without FixedBatchShape they differ by ~1e-7 between a batch of 1 and of 2: ONNX Runtime's CPU kernels.)
    /// </summary>
    [Theory]
    [InlineData("II,V1")]
    [InlineData("I,II,III,aVR,aVL,aVF,V1,V2,V3,V4,V5,V6")]
    public void A_windows_probabilities_are_bit_identical_whatever_batch_it_runs_in(string names)
    {
        using var s = new OnnxFindingsSession(ModelPath, Cpu(maxBatch: 8));
        var g = s.Geometry;
        var leads = names.Split(',').Select(n => Leads.TryParse(n, out var l) ? l : throw new ArgumentException(n)).ToArray();
        int k = leads.Length, stride = k * g.WindowSamples, labels = s.Metadata.Labels.Count;
        var rng = new Random(11);
        var windows = Enumerable.Range(0, 8).Select(_ => Enumerable.Range(0, stride).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray()).ToArray();

        float[] RunBatch(params int[] which)
        {
            for (int i = 0; i < which.Length; i++)
            {
                windows[which[i]].CopyTo(s.EcgInput.Span.Slice(i * stride, stride));
                s.LeadMaskInput.Span.Slice(i * k, k).Fill(1);
            }
            var p = new float[which.Length * labels];
            s.Run(which.Length, leads, p);
            return p;
        }

        var alone = RunBatch(3);
        foreach (var batch in new[] { new[] { 3, 0 }, new[] { 0, 1, 2, 3, 4, 5, 6, 7 }, new[] { 7, 6, 5, 4, 3 } })
        {
            var p = RunBatch(batch);
            int at = Array.IndexOf(batch, 3);
            Assert.Equal(alone, p.AsSpan(at * labels, labels).ToArray());
        }
    }

    [Fact]
    public void A_lead_set_must_be_one_the_model_can_take()
    {
        using var s = new OnnxFindingsSession(ModelPath, Cpu(maxBatch: 2));
        var p = new float[2 * s.Metadata.Labels.Count];
        Assert.Contains("1..12 leads", Assert.Throws<ArgumentException>(() => s.Run(1, ReadOnlySpan<Lead>.Empty, p)).Message);
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => s.Run(1, [Lead.II, Lead.V1, Lead.II], p)).Message);
        Assert.Contains("no lead", Assert.Throws<ArgumentException>(() => s.Run(1, [Lead.II, (Lead)40], p)).Message);
        Lead[] thirteen = [.. Leads.StandardOrder, Lead.I];
        Assert.Throws<ArgumentException>(() => s.Run(1, thirteen, p));
        // After refusals the session still runs (nothing half-cached).
        s.Run(1, [Lead.II, Lead.V1], p);
        s.Run(2, [Lead.II, Lead.V1], p);
    }

    [Fact]
    public void Run_checks_its_arguments()
    {
        using var s = new OnnxFindingsSession(ModelPath, Cpu(maxBatch: 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Run(0, new float[100]));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Run(3, new float[100]));
        Assert.Throws<ArgumentException>(() => s.Run(2, new float[10]));
        s.Dispose();
        Assert.Throws<ObjectDisposedException>(() => s.Run(1, new float[100]));
    }

    [Fact]
    public void Cuda_fails_fast_with_the_cause_when_it_cannot_load()
    {
        OnnxFindingsSession? s = null;
        try
        {
            s = new OnnxFindingsSession(ModelPath, new OnnxRuntimeOptions { ExecutionProvider = ExecutionProviderChoice.Cuda, WarmUp = false });
        }
        catch (InvalidOperationException e)
        {
            Assert.Contains("ExecutionProvider=Cuda", e.Message);
            Assert.Contains(ModelPath, e.Message);
            Assert.IsType<OnnxRuntimeException>(e.InnerException);
            Assert.Contains(e.InnerException!.Message.Split('\n')[0].Trim(), e.Message);   // the runtime's own words
            if (OperatingSystem.IsLinux())   // and the cause, which the runtime only logs: the library that is missing
                Assert.Matches(@"\((lib[\w.+-]+: cannot open shared object file[^)]*|[\w.]+ not found next to the application)\)", e.Message);
            return;
        }
        // Only where CUDA really works (a GPU host) may construction succeed, and then it must say so.
        using (s) Assert.Equal("CUDA", s.ExecutionProvider);
    }

    [Fact]
    public void Auto_falls_back_to_the_cpu_and_says_so_once()
    {
        var log = new ListLogger();
        using var s = new OnnxFindingsSession(ModelPath, new OnnxRuntimeOptions { MaxBatchSize = 1 }, log);
        if (s.ExecutionProvider == "CUDA") return;   // GPU host: nothing to fall back from
        Assert.Equal("CPU", s.ExecutionProvider);
        Assert.Single(log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("CUDA execution provider unavailable"));
        Assert.Single(log.Entries, e => e.Level == LogLevel.Information && e.Message.Contains("loaded on CPU"));
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var path = Path.Combine(_dir, "nope.onnx");
        var e = Assert.Throws<FileNotFoundException>(() => new OnnxFindingsSession(path, Cpu()));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void A_corrupt_file_is_not_a_loadable_model()
    {
        var path = Path.Combine(_dir, "corrupt.onnx");
        var bytes = File.ReadAllBytes(ModelPath)[..1000];   // truncated
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidDataException>(() => new OnnxFindingsSession(path, Cpu()));
        Assert.Contains($"'{path}' is not a loadable ONNX model", e.Message);
        File.WriteAllText(path, "this is not protobuf at all");
        Assert.Contains("not a loadable ONNX model", Assert.Throws<InvalidDataException>(() => new OnnxFindingsSession(path, Cpu())).Message);
    }

    private string Derived(string name, Action<ModelProto> change)
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(ModelPath));
        change(model);
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }

    [Fact]
    public void Missing_metadata_names_the_key_and_the_file()
    {
        var path = Derived("no-labels.onnx", m => m.MetadataProps.Remove(m.MetadataProps.Single(p => p.Key == "cgdmer.labels")));
        var e = Assert.Throws<InvalidDataException>(() => new OnnxFindingsSession(path, Cpu()));
        Assert.Contains("cgdmer.labels", e.Message);
        Assert.Contains(path, e.Message);

        var bare = Derived("no-metadata.onnx", m => m.MetadataProps.Clear());
        Assert.Contains("cgdmer.contract_version", Assert.Throws<InvalidDataException>(() => new OnnxFindingsSession(bare, Cpu())).Message);
    }

    [Fact]
    public void Unsupported_preprocessing_or_lead_is_refused()
    {
        var path = Derived("other-filter.onnx", m => m.MetadataProps.Single(p => p.Key == "cgdmer.preprocessing").Value = "wavelet-v9");
        var e = Assert.Throws<InvalidDataException>(() => new OnnxFindingsSession(path, Cpu()));
        Assert.Contains("wavelet-v9", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void A_graph_that_breaks_the_contract_is_refused_naming_the_mismatch()
    {
        var renamed = Derived("renamed-mask.onnx", m =>
        {
            m.Graph.Input.Single(i => i.Name == "lead_mask").Name = "mask";
            foreach (var n in m.Graph.Node)
                for (int i = 0; i < n.Input.Count; i++) if (n.Input[i] == "lead_mask") n.Input[i] = "mask";
        });
        var e = Assert.Throws<InvalidDataException>(() => new OnnxFindingsSession(renamed, Cpu()));
        Assert.Contains(renamed, e.Message);
        Assert.Contains("no input 'lead_mask'", e.Message);

        // The metadata promises more labels than the graph's output has.
        var moreLabels = Derived("more-labels.onnx", m =>
        {
            var p = m.MetadataProps.Single(x => x.Key == "cgdmer.labels");
            p.Value = p.Value.TrimEnd(']') + ",{\"key\":\"extra\",\"snomed_ct\":\"1\",\"display\":\"Extra\",\"threshold\":0.5,\"validated\":false}]";
        });
        var e2 = Assert.Throws<InvalidDataException>(() => new OnnxFindingsSession(moreLabels, Cpu()));
        int shipped;
        using (var s = new OnnxFindingsSession(ModelPath, Cpu())) shipped = s.Metadata.Labels.Count;
        Assert.Contains("output 'probabilities'", e2.Message);
        Assert.Contains($"[batch, {shipped + 1}] ({shipped + 1} labels", e2.Message);
        Assert.Contains($"[batch, {shipped}]", e2.Message);   // what the graph really has
    }

    [Fact]
    public void A_contract_version_1_model_is_refused_with_the_versions_named()
    {
        var v1 = Derived("v1.onnx", m => m.MetadataProps.Single(p => p.Key == "cgdmer.contract_version").Value = "1");
        var e = Assert.Throws<InvalidDataException>(() => new OnnxFindingsSession(v1, Cpu()));
        Assert.Contains(v1, e.Message);
        Assert.Contains("contract version 1", e.Message);
        Assert.Contains("reads versions 2 and 3", e.Message);
    }

    [Fact]
    public void A_graph_without_lead_ids_or_with_a_fixed_lead_axis_is_refused()
    {
        var noIds = Derived("no-lead-ids.onnx", m =>
        {
            m.Graph.Input.Single(i => i.Name == "lead_ids").Name = "ids";
            foreach (var n in m.Graph.Node)
                for (int i = 0; i < n.Input.Count; i++) if (n.Input[i] == "lead_ids") n.Input[i] = "ids";
        });
        var e = Assert.Throws<InvalidDataException>(() => new OnnxFindingsSession(noIds, Cpu()));
        Assert.Contains("no input 'lead_ids'", e.Message);
        Assert.Contains("int64 [leads]", e.Message);

        // A v1-shaped ecg input (12 rows fixed) under a v2 label could not be fed compacted rows.
        var fixedLeads = Derived("fixed-leads.onnx", m =>
        {
            var dim = m.Graph.Input.Single(i => i.Name == "ecg").Type.TensorType.Shape.Dim[1];
            dim.DimValue = 12;
        });
        var e2 = Assert.Throws<InvalidDataException>(() => new OnnxFindingsSession(fixedLeads, Cpu()));
        Assert.Contains("input 'ecg'", e2.Message);
        Assert.Contains("[batch, 12, ", e2.Message);
        Assert.Contains("dynamic batch and lead axes", e2.Message);
    }

    [Fact]
    public void Options_are_validated()
    {
        Assert.Equal("MaxBatchSize", Assert.Throws<ArgumentException>(() => new OnnxRuntimeOptions { MaxBatchSize = 0 }.Validate()).ParamName);
        Assert.Equal("IntraOpThreads", Assert.Throws<ArgumentException>(() => new OnnxRuntimeOptions { IntraOpThreads = -1 }.Validate()).ParamName);
        Assert.Equal("ExecutionProvider", Assert.Throws<ArgumentException>(() => new OnnxRuntimeOptions { ExecutionProvider = (ExecutionProviderChoice)9 }.Validate()).ParamName);
        Assert.Equal("CudaDeviceId", Assert.Throws<ArgumentException>(() => new OnnxRuntimeOptions { CudaDeviceId = -1 }.Validate()).ParamName);
        Assert.Throws<ArgumentException>(() => new OnnxFindingsSession(ModelPath, new OnnxRuntimeOptions { MaxBatchSize = 0 }));
    }

    private sealed class ListLogger : ILogger
    {
        public readonly List<(LogLevel Level, string Message)> Entries = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Entries) Entries.Add((logLevel, formatter(state, exception)));
        }
    }
}
