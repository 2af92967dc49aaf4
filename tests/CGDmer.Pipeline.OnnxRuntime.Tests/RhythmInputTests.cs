using System.Reactive.Linq;
using CGDmer.Pipeline.OnnxRuntime;
using CGDmer.Contracts.Model;
using CGDmer.Onnx;
using CGDmer.Pipeline.Batching;
using CGDmer.Pipeline.Inference;
using CGDmer.Pipeline.Measurement;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal;
using CGDmer.Signal.Beats;
using CGDmer.Signal.Dsp;
using ModelMetadata = CGDmer.Contracts.Model.ModelMetadata;

namespace CGDmer.Pipeline.OnnxRuntime.Tests;

/// <summary>
/// Contract v3's rhythm input: a tiny graph whose "probabilities" are its <c>rhythm_features</c> row as it is
/// (label j = feature j), so each window's output shows exactly which features reached the model in its slot.
/// </summary>
public sealed class RhythmInputTests : IDisposable
{
    private const int Rate = 100, Samples = 1000, F = RhythmFeatures.Count;
    private readonly string _dir = Directory.CreateTempSubdirectory("cgdmer-rhythm-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static OnnxRuntimeOptions Cpu(int maxBatch, bool fixedShape = true) =>
        new() { ExecutionProvider = ExecutionProviderChoice.Cpu, MaxBatchSize = maxBatch, IntraOpThreads = 1, FixedBatchShape = fixedShape };

    /// <summary>The tiny model's outputs: one per feature of its set (16 for a set this build does not know).</summary>
    private static IReadOnlyList<string> Outputs(string set) => RhythmFeatures.IsKnown(set) ? RhythmFeatures.NamesOf(set) : RhythmFeatures.Names;

    private static ModelMetadata Metadata(string rhythmFeatures) => new()
    {
        ModelName = "tiny-rhythm",
        ModelVersion = "0.3.0",
        // One label per feature; validation does not matter to the infer stage.
        Labels = Outputs(rhythmFeatures).Select((n, i) => new LabelMetadata(n, (100000 + i).ToString(), n, 0.5, Validated: i % 2 == 0)).ToList(),
        SampleRateHz = Rate,
        WindowSamples = Samples,
        Preprocessing = EcgPreprocessing.Identifier,
        EmbeddingDim = 1,
        RhythmFeatures = rhythmFeatures,
    };

    /// <summary>
    /// Writes a contract-v3 model: ecg, lead_mask, lead_ids and (when <paramref name="featureInput"/> &gt; 0) rhythm_features
    /// [batch, featureInput]; probabilities [batch, 16] = rhythm_features × identity (or the present-lead count in every
    /// column without a rhythm input).
    /// </summary>
    private string TinyModel(string name, string rhythmFeatures = RhythmFeatures.AnalysisLeadIdentifier, int featureInput = F, string contract = "3")
    {
        int outputs = Outputs(rhythmFeatures).Count;
        var b = new OnnxGraphBuilder("tiny_rhythm");
        b.AddInput(ModelMetadata.EcgInput, ElementType.Float, "batch", "leads", Samples);
        var mask = b.AddInput(ModelMetadata.LeadMaskInput, ElementType.Float, "batch", "leads");
        b.AddInput(ModelMetadata.LeadIdsInput, ElementType.Int64, "leads");
        string probabilities;
        if (featureInput > 0)
        {
            var rf = b.AddInput(ModelMetadata.RhythmFeaturesInput, ElementType.Float, "batch", featureInput);
            var w = new float[featureInput * outputs];
            for (int i = 0; i < Math.Min(featureInput, outputs); i++) w[i * outputs + i] = 1;
            probabilities = b.Node("MatMul", [rf, b.ConstFloats(w, featureInput, outputs)]);
        }
        else
        {
            var present = b.Node("ReduceSum", [mask, b.ConstInt64s(1)], null, OnnxAttr.Int("keepdims", 1));
            probabilities = b.Node("MatMul", [present, b.ConstFloats(Enumerable.Repeat(1f, outputs).ToArray(), 1, outputs)]);
        }
        b.AddOutput(ModelMetadata.ProbabilitiesOutput, probabilities, ElementType.Float, "batch", outputs);
        foreach (var (key, value) in Metadata(rhythmFeatures).ToProperties())
            b.AddMetadata(key, key == ModelMetadata.Prefix + "contract_version" ? contract : value);
        var path = Path.Combine(_dir, name);
        b.Save(path);
        return path;
    }

    private static readonly Lead[] Monitor = [Lead.II, Lead.V1], Twelve = [.. Leads.StandardOrder], Single = [Lead.II];

    /// <summary>A measured window: random samples on its recorded leads, the given beats, SQI and beat agreement.</summary>
    private static MeasuredWindow Window(WindowGeometry g, int index, Lead[] recorded, int[] beats, double sqi, double agreement,
                                         WindowStatus status = WindowStatus.Analyzable)
    {
        var rng = new Random(index);
        var signal = System.Buffers.ArrayPool<float>.Shared.Rent(g.LeadCount * g.WindowSamples);
        var mask = new float[g.LeadCount];
        foreach (var lead in recorded)
        {
            int row = g.RowOf(lead);
            mask[row] = status == WindowStatus.Analyzable ? 1 : 0;
            for (int t = 0; t < g.WindowSamples; t++) signal[row * g.WindowSamples + t] = (float)(rng.NextDouble() - 0.5);
        }
        var w = new EcgWindow("p", "d", index, DateTimeOffset.UnixEpoch.AddSeconds(10 * index), g, signal, mask, recorded,
                              status == WindowStatus.Analyzable ? [] : recorded, status == WindowStatus.Analyzable ? 1 : 0, status, 0);
        var m = new WindowMeasurement(beats, WindowMeasurer.HeartRateBpm(beats, g.SampleRateHz), null, sqi, recorded[0]) { BeatAgreement = agreement };
        return new MeasuredWindow(w, m);
    }

    /// <summary>Beats every <paramref name="rr"/> samples from <paramref name="first"/>, with an optional jitter pattern.</summary>
    private static int[] Beats(int first, int rr, params int[] jitter)
    {
        var beats = new List<int>();
        for (int t = first, i = 0; t < Samples; i++)
        {
            beats.Add(t);
            t += rr + (jitter.Length > 0 ? jitter[i % jitter.Length] : 0);
        }
        return [.. beats];
    }

    private static float[] Expected(MeasuredWindow w)
    {
        var f = new float[F];
        var m = w.Measurement;
        RhythmFeatures.Compute(m.BeatSamples.ToArray(), w.Window.Geometry.SampleRateHz, w.Window.Geometry.WindowSamples, m.SignalQuality, m.BeatAgreement, f);
        return f;
    }

    [Fact]
    public void A_rhythm_model_loads_with_its_feature_buffer()
    {
        using var s = new OnnxFindingsSession(TinyModel("rr-v1.onnx"), Cpu(maxBatch: 3));
        Assert.True(s.Metadata.HasRhythmInput);
        Assert.Equal(RhythmFeatures.AnalysisLeadIdentifier, s.Metadata.RhythmFeatures);
        Assert.Equal(3 * F, s.RhythmFeaturesInput.Length);
        Assert.Equal(3 * 12 * Samples, s.EcgInput.Length);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Each_window_of_a_mixed_batch_feeds_its_own_features(bool fixedShape)
    {
        // Three lead sets interleaved, a no-signal window among them, more windows per set than one run takes: each
        // window's features must land in the slot its samples went to, in every chunk of every group.
        using var s = new OnnxFindingsSession(TinyModel("rr-v1.onnx"), Cpu(maxBatch: 2, fixedShape));
        var g = s.Geometry;
        MeasuredWindow[] windows =
        [
            Window(g, 0, Monitor, Beats(30, 80), 0.95, 0.9),                      // 75 bpm, regular
            Window(g, 1, Twelve, Beats(10, 60, 0, 25, -20, 40, -30), 0.7, 0.6),   // irregular
            Window(g, 2, Single, Beats(50, 150), 0.8, 1.0),                       // 40 bpm
            Window(g, 3, Monitor, [], 0, 0, WindowStatus.NoSignal),
            Window(g, 4, Monitor, Beats(5, 45, 10, -10), 0.99, 0.85),
            Window(g, 5, Twelve, [400], 0.55, 0.2),                               // one beat: no RR features
            Window(g, 6, Monitor, Beats(70, 100, 30, -30, 0), 0.6, 0.75),
            Window(g, 7, Single, Beats(20, 55), 0.9, 0.95),
            Window(g, 8, Monitor, Beats(0, 120), 0.85, 0.5),
        ];
        var expected = windows.Select(Expected).ToArray();
        Assert.Equal(windows.Length, expected.Select(e => string.Join(',', e)).Distinct().Count()); // every window distinguishable

        var output = new BatchInference(s).Analyze(new WindowBatch(0, windows, 0));

        for (int i = 0; i < windows.Length; i++)
        {
            Assert.Same(windows[i].Window, output[i].Window);
            if (i == 3) { Assert.Null(output[i].Probabilities); continue; }
            Assert.Null(output[i].InferenceFailure);
            Assert.Equal(expected[i], output[i].Probabilities!);
        }
        Assert.All(windows, w => Assert.True(w.Window.SignalReleased));
    }

    [Fact]
    public void An_rr_v4_model_gets_the_analysis_leads_features_and_those_of_its_NN_intervals()
    {
        using var s = new OnnxFindingsSession(TinyModel("rr-v4.onnx", "rr-v4", featureInput: 2 * F), Cpu(maxBatch: 2));
        Assert.Equal(2 * 2 * F, s.RhythmFeaturesInput.Length);
        var g = s.Geometry;
        // Real beats in the analysis lead: MIT-BIH 201's first window, measured by the measure stage.
        var record = CGDmer.Signal.Wfdb.WfdbReader.Read(Path.Combine(AppContext.BaseDirectory, "assets", "mitbih", "201"));
        var window = CGDmer.Evaluation.MitBihEvaluation.Windows(record, g).First();
        var m = new WindowMeasurer().Measure(window);
        var measured = new MeasuredWindow(window, m);
        var expected = new float[2 * F];
        RhythmFeatures.ComputeSet("rr-v4", m.BeatSamples.ToArray(), window.Row(g.RowOf(m.AnalysisLead!.Value)), g.SampleRateHz, g.WindowSamples,
                                  m.SignalQuality, m.BeatAgreement, expected);
        Assert.Equal(1, expected[F]);   // the NN half found intervals

        var output = new BatchInference(s).Analyze(new WindowBatch(0, [measured], 0));

        Assert.Equal(expected, output[0].Probabilities!);
    }

    [Fact]
    public void An_rr_v7_model_gets_rr_v4s_features_and_the_analysis_leads_atrial_activity_with_the_beat_stream_on()
    {
        int count = RhythmFeatures.CountOf("rr-v7");
        using var s = new OnnxFindingsSession(TinyModel("rr-v7.onnx", "rr-v7", featureInput: count), Cpu(maxBatch: 2));
        Assert.Equal(2 * count, s.RhythmFeaturesInput.Length);
        var g = s.Geometry;
        // A window of the stream-enabled window stage: its context beats are there, and rr-v7 does not read them.
        var windows = StreamedWindows201(g);
        var window = windows[7];
        var m = new WindowMeasurer().Measure(window);
        var expected = new float[count];
        RhythmFeatures.ComputeSet("rr-v7", m.BeatSamples.ToArray(), window.Row(g.RowOf(m.AnalysisLead!.Value)), g.SampleRateHz, g.WindowSamples,
                                  m.SignalQuality, m.BeatAgreement, expected);
        Assert.Equal(1, expected[2 * F]);   // the atrial half found a template

        var output = new BatchInference(s).Analyze(new WindowBatch(0, [new MeasuredWindow(window, m)], 0));

        Assert.Equal(expected, output[0].Probabilities!);
        foreach (var w in windows) if (!ReferenceEquals(w, window)) w.ReleaseSignal();
    }

    [Fact]
    public void An_rr_v5_model_also_gets_the_features_of_the_NN_intervals_of_its_windows_stream_context()
    {
        using var s = new OnnxFindingsSession(TinyModel("rr-v5.onnx", "rr-v5", featureInput: 3 * F), Cpu(maxBatch: 2));
        Assert.Equal(2 * 3 * F, s.RhythmFeaturesInput.Length);
        var g = s.Geometry;
        var windows = StreamedWindows201(g);
        var window = windows[7];
        var m = new WindowMeasurer().Measure(window);
        int row = g.RowOf(m.AnalysisLead!.Value);
        var context = Array.Empty<ClassifiedBeat>();
        int n = window.CopyContextBeats(row, ref context);
        Assert.True(n > 30, $"{n} context beats");
        Assert.True(context[0].Sample < 0, "the context reaches back before the window");
        var expected = new float[3 * F];
        RhythmFeatures.ComputeSet("rr-v5", m.BeatSamples.ToArray(), window.Row(row), g.SampleRateHz, g.WindowSamples,
                                  m.SignalQuality, m.BeatAgreement, expected, context: context.AsSpan(0, n));
        Assert.Equal(1, expected[2 * F]);   // the context half found NN intervals

        var output = new BatchInference(s).Analyze(new WindowBatch(0, [new MeasuredWindow(window, m)], 0));

        Assert.Equal(expected, output[0].Probabilities!);
        foreach (var w in windows) if (!ReferenceEquals(w, window)) w.ReleaseSignal();
    }

    /// <summary>MIT-BIH 201's first minute through the window stage with its beat stream (2 leads), 1 s at a time; the window 40 s in has a full context.</summary>
    private static List<EcgWindow> StreamedWindows201(WindowGeometry g)
    {
        var record = CGDmer.Signal.Wfdb.WfdbReader.Read(Path.Combine(AppContext.BaseDirectory, "assets", "mitbih", "201"));
        var windows = new List<EcgWindow>();
        using var windower = new PatientWindower("p", g, new WindowingOptions { BeatStreamLeads = 2 });
        var t0 = new DateTimeOffset(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);
        for (int sec = 0; sec < 60; sec++)
        {
            var leads = record.Ecg.Channels.Select(c => new CGDmer.Pipeline.Validation.EcgLeadData(c.Lead!.Value, c.Label, c.Samples.AsSpan(sec * 360, 360).ToArray(), false, [])).ToList();
            windower.Add(new CGDmer.Pipeline.Validation.EcgSegmentData("p", "m", (ulong)sec + 1, t0.AddSeconds(sec), 0, 360, 360, leads), windows);
        }
        return windows;
    }

    [Fact]
    public void An_rr_v6_model_gets_rr_v4s_features_measured_on_the_windows_beat_stream()
    {
        using var s = new OnnxFindingsSession(TinyModel("rr-v6.onnx", "rr-v6", featureInput: 2 * F), Cpu(maxBatch: 2));
        var g = s.Geometry;
        var windows = StreamedWindows201(g);
        var window = windows[7];
        var m = new WindowMeasurer().Measure(window, onBeatStream: true);
        int row = g.RowOf(m.AnalysisLead!.Value);
        // The measure stage's beats are the stream's beats of the analysis lead inside the window, not a detector's.
        var inWindow = window.StreamBeats.Where(b => b.Row == row && b.Sample >= 0 && b.Sample < g.WindowSamples).Select(b => b.Sample).ToArray();
        Assert.True(inWindow.Length > 8, $"{inWindow.Length} stream beats in the window");
        Assert.Equal(inWindow, m.BeatSamples);
        ClassifiedBeat[] beats = [];
        int[] starts = [];
        var streamed = window.CopyWindowBeats(ref beats, ref starts);
        var expected = new float[2 * F];
        RhythmFeatures.ComputeSet("rr-v6", m.BeatSamples.ToArray(), [], g.SampleRateHz, g.WindowSamples,
                                  m.SignalQuality, m.BeatAgreement, expected, context: streamed.Row(row));
        Assert.Equal(1, expected[F]);   // the NN half found intervals among the stream's classes

        var output = new BatchInference(s).Analyze(new WindowBatch(0, [new MeasuredWindow(window, m)], 0));

        Assert.Equal(expected, output[0].Probabilities!);
        foreach (var w in windows) if (!ReferenceEquals(w, window)) w.ReleaseSignal();
    }

    [Fact]
    public void An_rr_v8_model_gets_rr_v6s_features_and_the_atrial_activity_of_the_streams_normal_beats()
    {
        int count = RhythmFeatures.CountOf("rr-v8");
        using var s = new OnnxFindingsSession(TinyModel("rr-v8.onnx", "rr-v8", featureInput: count), Cpu(maxBatch: 2));
        var g = s.Geometry;
        var windows = StreamedWindows201(g);
        var window = windows[7];
        var m = new WindowMeasurer().Measure(window, onBeatStream: true);
        int row = g.RowOf(m.AnalysisLead!.Value);
        ClassifiedBeat[] beats = [];
        int[] starts = [];
        var streamed = window.CopyWindowBeats(ref beats, ref starts);
        var expected = new float[count];
        RhythmFeatures.ComputeSet("rr-v8", m.BeatSamples.ToArray(), window.Row(row), g.SampleRateHz, g.WindowSamples,
                                  m.SignalQuality, m.BeatAgreement, expected, context: streamed.Row(row));
        Assert.Equal(1, expected[F]);       // the NN half found intervals among the stream's classes
        Assert.Equal(1, expected[2 * F]);   // and the atrial half a template before the stream's normal beats
        var v6 = new float[2 * F];
        RhythmFeatures.ComputeSet("rr-v6", m.BeatSamples.ToArray(), [], g.SampleRateHz, g.WindowSamples,
                                  m.SignalQuality, m.BeatAgreement, v6, context: streamed.Row(row));
        Assert.Equal(v6, expected[..(2 * F)]);

        var output = new BatchInference(s).Analyze(new WindowBatch(0, [new MeasuredWindow(window, m)], 0));

        Assert.Equal(expected, output[0].Probabilities!);
        foreach (var w in windows) if (!ReferenceEquals(w, window)) w.ReleaseSignal();
    }

    [Theory]
    [InlineData("rr-v8", false)]
    [InlineData("rr-v10", true)]
    public void The_measure_stage_computes_the_features_the_infer_stage_would_and_the_infer_stage_takes_them(string set, bool qualityOnStream)
    {
        // The pipeline computes each window's features on its signal lane (the measure stage) and the model's thread only
        // copies them: the model must get exactly what computing them on its own thread gives.
        int count = RhythmFeatures.CountOf(set);
        using var s = new OnnxFindingsSession(TinyModel(set + ".onnx", set, featureInput: count), Cpu(maxBatch: 4));
        var g = s.Geometry;
        var measurer = new WindowMeasurer();
        var measured = StreamedWindows201(g).ToObservable()
            .Measure(measurer, onBeatStream: true, qualityOnStream: qualityOnStream, rhythmFeatures: set)
            .ToArray().Wait();
        var plain = StreamedWindows201(g).ToObservable()   // the same windows again, measured without the features
            .Measure(measurer, onBeatStream: true, qualityOnStream: qualityOnStream)
            .ToArray().Wait();
        Assert.All(measured.Where(w => w.Window.IsAnalyzable), w => Assert.Equal(set, w.Rhythm!.FeatureSet));
        Assert.All(plain, w => Assert.Null(w.Rhythm));
        var computedHere = new BatchInference(s).Analyze(new WindowBatch(0, plain, 0)).Select(a => a.Probabilities).ToList();
        var copied = new BatchInference(s).Analyze(new WindowBatch(1, measured, 0)).Select(a => a.Probabilities).ToList();
        Assert.Equal(computedHere.Count, copied.Count);
        Assert.True(copied.Count(p => p is not null) >= 5, "windows with features");
        for (int i = 0; i < copied.Count; i++)
        {
            Assert.Equal(computedHere[i], copied[i]);
            if (measured[i].Rhythm?.Features is { } features) Assert.Equal(features, copied[i]!);
        }
    }

    [Fact]
    public void The_infer_stage_copies_the_measure_stages_features_refusal_and_ignores_another_sets()
    {
        using var s = new OnnxFindingsSession(TinyModel("rr-v1.onnx"), Cpu(maxBatch: 4));
        var g = s.Geometry;
        var given = Enumerable.Range(0, F).Select(i => 0.01f * (i + 1)).ToArray();
        MeasuredWindow[] windows =
        [
            Window(g, 0, Monitor, Beats(30, 80), 0.95, 0.9) with { Rhythm = new RhythmInput(RhythmFeatures.AnalysisLeadIdentifier, given, null) },
            Window(g, 1, Monitor, Beats(30, 80), 0.95, 0.9) with { Rhythm = new RhythmInput(RhythmFeatures.AnalysisLeadIdentifier, null, "rhythm features: refused upstream") },
            Window(g, 2, Monitor, Beats(40, 90), 0.9, 0.7) with { Rhythm = new RhythmInput("rr-v8", new float[RhythmFeatures.CountOf("rr-v8")], null) },
        ];
        var output = new BatchInference(s).Analyze(new WindowBatch(0, windows, 0));
        Assert.Equal(given, output[0].Probabilities!);
        Assert.Null(output[1].Probabilities);
        Assert.Equal("rhythm features: refused upstream", output[1].InferenceFailure);
        Assert.Equal(Expected(windows[2]), output[2].Probabilities!);   // another set's features: computed here instead
    }

    [Fact]
    public void A_window_alone_and_in_a_full_fixed_batch_gets_the_same_output_and_padding_rows_are_zero()
    {
        using var s = new OnnxFindingsSession(TinyModel("rr-v1.onnx"), Cpu(maxBatch: 4));
        var g = s.Geometry;
        var full = Enumerable.Range(0, 4).Select(i => Window(g, i, Monitor, Beats(10 + i, 70 + 10 * i), 0.9, 0.8)).ToArray();
        var batch = new BatchInference(s);
        var together = batch.Analyze(new WindowBatch(0, full, 0));
        Assert.Contains(s.RhythmFeaturesInput.Span[(3 * F)..].ToArray(), v => v != 0); // the full run filled every row

        var alone = batch.Analyze(new WindowBatch(1, [Window(g, 2, Monitor, Beats(12, 90), 0.9, 0.8)], 0));
        Assert.Equal(together[2].Probabilities, alone[0].Probabilities);
        // The run had one window: the other three rows of the fixed-shape run were zeroed, not left from the full run.
        Assert.All(s.RhythmFeaturesInput.Span[F..].ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void A_window_whose_beats_the_features_refuse_fails_alone()
    {
        using var s = new OnnxFindingsSession(TinyModel("rr-v1.onnx"), Cpu(maxBatch: 4));
        var g = s.Geometry;
        MeasuredWindow[] windows =
        [
            Window(g, 0, Monitor, Beats(30, 80), 0.95, 0.9),
            Window(g, 1, Monitor, [500, 300, 100], 0.9, 0.9),   // not ascending: no measure stage makes these
            Window(g, 2, Monitor, Beats(40, 90), 0.9, 0.7),
        ];
        var output = new BatchInference(s).Analyze(new WindowBatch(0, windows, 0));
        Assert.Null(output[1].Probabilities);
        Assert.Contains("rhythm features", output[1].InferenceFailure);
        Assert.Equal(Expected(windows[0]), output[0].Probabilities!);
        Assert.Equal(Expected(windows[2]), output[2].Probabilities!);
        Assert.True(windows[1].Window.SignalReleased);
    }

    [Fact]
    public void A_feature_set_this_build_does_not_compute_is_refused_naming_model_and_key()
    {
        var path = TinyModel("rr-v2.onnx", rhythmFeatures: "rr-v2");
        var e = Assert.Throws<InvalidDataException>(() => new OnnxFindingsSession(path, Cpu(maxBatch: 2)));
        Assert.Contains(path, e.Message);
        Assert.Contains("tiny-rhythm", e.Message);
        Assert.Contains("cgdmer.rhythm_features", e.Message);
        Assert.Contains("'rr-v2'", e.Message);
        Assert.Contains($"'{RhythmFeatures.Identifier}'", e.Message);
    }

    [Fact]
    public void A_rhythm_input_of_the_wrong_shape_is_refused()
    {
        var path = TinyModel("eight-features.onnx", featureInput: 8);
        var e = Assert.Throws<InvalidDataException>(() => new OnnxFindingsSession(path, Cpu(maxBatch: 2)));
        Assert.Contains(path, e.Message);
        Assert.Contains("input 'rhythm_features'", e.Message);
        Assert.Contains($"float32 [batch, {F}]", e.Message);
        Assert.Contains("[batch, 8]", e.Message);
    }

    [Fact]
    public void Metadata_and_graph_must_agree_on_the_rhythm_input()
    {
        // The metadata names the features, the graph does not take them.
        var missing = TinyModel("no-input.onnx", featureInput: 0);
        var e = Assert.Throws<InvalidDataException>(() => new OnnxFindingsSession(missing, Cpu(maxBatch: 2)));
        Assert.Contains("no input 'rhythm_features'", e.Message);

        // The graph takes them, the metadata says none (v3) or cannot say (v2): nobody would know what to feed.
        foreach (var contract in new[] { "3", "2" })
        {
            var unnamed = TinyModel($"unnamed-v{contract}.onnx", rhythmFeatures: ModelMetadata.NoRhythmFeatures, contract: contract);
            var e2 = Assert.Throws<InvalidDataException>(() => new OnnxFindingsSession(unnamed, Cpu(maxBatch: 2)));
            Assert.Contains("input 'rhythm_features'", e2.Message);
            Assert.Contains("'none'", e2.Message);
        }
    }

    [Theory]
    [InlineData("3")]
    [InlineData("2")]
    public void A_model_without_rhythm_input_runs_as_before(string contract)
    {
        // v3 with "none", and a v2 file (whose labels carry no validation flag): no feature buffer, three inputs fed.
        using var s = new OnnxFindingsSession(TinyModel($"none-v{contract}.onnx", rhythmFeatures: ModelMetadata.NoRhythmFeatures, featureInput: 0, contract: contract), Cpu(maxBatch: 2));
        Assert.False(s.Metadata.HasRhythmInput);
        Assert.Equal(contract, s.Metadata.SourceContractVersion);
        Assert.True(s.RhythmFeaturesInput.IsEmpty);
        var g = s.Geometry;
        MeasuredWindow[] windows = [Window(g, 0, Monitor, Beats(30, 80), 0.95, 0.9), Window(g, 1, Twelve, [], 0.2, 0), Window(g, 2, Single, Beats(3, 70), 0.9, 0.9)];
        var output = new BatchInference(s).Analyze(new WindowBatch(0, windows, 0));
        Assert.Equal(Enumerable.Repeat(2f, F), output[0].Probabilities!);    // present leads, whatever the beats
        Assert.Equal(Enumerable.Repeat(12f, F), output[1].Probabilities!);
        Assert.Equal(Enumerable.Repeat(1f, F), output[2].Probabilities!);
    }

    [Fact]
    public void The_shipped_model_takes_rhythm_features_and_publishes_only_its_validated_labels()
    {
        using var s = new OnnxFindingsSession(Path.Combine(AppContext.BaseDirectory, "assets", "cgdmer-small.onnx"), Cpu(maxBatch: 2));
        Assert.Equal("3", s.Metadata.SourceContractVersion);
        // The set its recipe names (configs/head-hidden-12-average-bedside-refit.json, "rhythmFeatureSet").
        Assert.Equal(RhythmFeatures.StreamQualityIdentifier, s.Metadata.RhythmFeatures);
        Assert.Equal(2 * RhythmFeatures.CountOf(RhythmFeatures.StreamQualityIdentifier), s.RhythmFeaturesInput.Length);
        Assert.True(RhythmFeatures.MeasuresOnBeatStream(s.Metadata.RhythmFeatures));   // so the service runs the beat stream,
        Assert.True(RhythmFeatures.MeasuresQualityOnStream(s.Metadata.RhythmFeatures)); // with the leads' quality
        Assert.All(s.Metadata.Labels, l => Assert.NotNull(l.Validated));
        Assert.True(s.Metadata.Labels.Single(l => l.Key == "atrial_fibrillation").MayBePublished);
        Assert.False(s.Metadata.Labels.Single(l => l.Key == "rbbb").MayBePublished);
    }

    [Fact]
    public void Batch_inference_refuses_a_rhythm_model_without_a_big_enough_feature_buffer()
    {
        var fake = new FakeFindingsModel(maxBatchSize: 2);
        var model = new RhythmModelWithoutBuffer(fake, fake.Metadata with { RhythmFeatures = RhythmFeatures.Identifier });
        Assert.Contains("rhythm feature buffer", Assert.Throws<ArgumentException>(() => new BatchInference(model)).Message);
        var unknown = new RhythmModelWithoutBuffer(fake, fake.Metadata with { RhythmFeatures = "hrv-v9" });
        Assert.Contains("hrv-v9", Assert.Throws<ArgumentException>(() => new BatchInference(unknown)).Message);
    }

    private sealed class RhythmModelWithoutBuffer(FakeFindingsModel inner, ModelMetadata metadata) : IFindingsModel
    {
        public ModelMetadata Metadata => metadata;
        public WindowGeometry Geometry => inner.Geometry;
        public int MaxBatchSize => inner.MaxBatchSize;
        public Memory<float> EcgInput => inner.EcgInput;
        public Memory<float> LeadMaskInput => inner.LeadMaskInput;
        public void Run(int count, Span<float> probabilities) => inner.Run(count, probabilities);
        public void Dispose() => inner.Dispose();
    }
}
