using System.Reactive.Linq;
using System.Reactive.Subjects;
using CGDmer.Pipeline.Batching;
using CGDmer.Pipeline.Inference;
using CGDmer.Pipeline.Measurement;
using CGDmer.Pipeline.Metrics;
using CGDmer.Signal;
using Prometheus;
using static CGDmer.TestSupport.TestWindows;

namespace CGDmer.Pipeline.Tests.Inference;

public class InferOperatorTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static WindowBatch Batch(long seq, params MeasuredWindow[] windows) => new(seq, windows, 0);

    /// <summary>Collects the stage's output; the test thread waits on <see cref="Done"/>.</summary>
    private sealed class Sink
    {
        public readonly List<AnalyzedWindow> Items = [];
        public readonly ManualResetEventSlim Done = new();
        public Exception? Error;
        public bool Completed;
        public void OnNext(AnalyzedWindow w) { lock (Items) Items.Add(w); }
        public void OnError(Exception e) { Error = e; Done.Set(); }
        public void OnCompleted() { Completed = true; Done.Set(); }
        public int Count { get { lock (Items) return Items.Count; } }
        public IDisposable Attach(IObservable<AnalyzedWindow> s) => s.Subscribe(OnNext, OnError, OnCompleted);
        public void Wait() => Assert.True(Done.Wait(Patience), "stream did not terminate");
    }

    [Fact]
    public void Windows_come_out_in_order_with_their_own_probabilities_and_released_samples()
    {
        var model = new FakeFindingsModel(maxBatchSize: 4);
        var rng = new Random(3);
        var batches = new List<WindowBatch>();
        var sent = new List<MeasuredWindow>();
        for (int b = 0; b < 30; b++)
        {
            var ws = Enumerable.Range(0, rng.Next(1, 11)).Select(_ => Make(rng.Next(1, 9), sent.Count, analyzable: rng.NextDouble() > 0.25)).ToArray();
            sent.AddRange(ws);
            batches.Add(Batch(b, ws));   // up to 10 analyzable: more than the model's 4, so the stage runs chunks
        }
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var metrics = new PipelineMetrics(registry);

        var output = batches.ToObservable().Infer(model, new InferOptions(), metrics).ToList().Wait();

        Assert.Equal(sent.Select(Key), output.Select(a => $"{a.Window.PatientId}#{a.Window.Index}"));
        for (int i = 0; i < output.Count; i++)
        {
            var a = output[i];
            Assert.Same(sent[i].Window, a.Window);
            Assert.Same(sent[i].Measurement, a.Measurement);
            Assert.True(a.Window.SignalReleased);
            Assert.Null(a.InferenceFailure);
            if (!a.Window.IsAnalyzable) { Assert.Null(a.Probabilities); continue; }
            int patient = int.Parse(a.Window.PatientId["patient-".Length..]);
            Assert.Equal([SampleValue(patient, a.Window.Index, 0), 2f], a.Probabilities!);
        }
        Assert.All(model.RunSizes, n => Assert.InRange(n, 1, 4));
        int analyzable = sent.Count(w => w.Window.IsAnalyzable);
        Assert.Equal(analyzable, model.RunSizes.Sum());
        Assert.Equal(model.RunSizes.Count, metrics.BatchSize.Count);
        Assert.Equal(analyzable, metrics.BatchSize.Sum);
        Assert.Equal(model.RunSizes.Count, metrics.InferenceSeconds.Count);
        Assert.Equal(0, metrics.BatchesInFlight.Value);
        Assert.Equal(0, metrics.InferenceFailures.Value);
    }

    [Fact]
    public void A_batch_without_analyzable_windows_does_not_run_the_model()
    {
        var model = new FakeFindingsModel();
        var output = Observable.Return(Batch(0, Make(1, 0, analyzable: false))).Infer(model, new InferOptions()).ToList().Wait();
        var a = Assert.Single(output);
        Assert.Null(a.Probabilities);
        Assert.Null(a.InferenceFailure);
        Assert.True(a.Window.SignalReleased);
        Assert.Equal(0, model.Runs);
    }

    [Fact]
    public async Task Upstream_blocks_when_MaxBatchesInFlight_batches_are_in_flight()
    {
        var model = new FakeFindingsModel { Gate = new ManualResetEventSlim(false) };
        var metrics = new PipelineMetrics(Prometheus.Metrics.NewCustomRegistry());
        var source = new Subject<WindowBatch>();
        var sink = new Sink();
        using var sub = sink.Attach(source.Infer(model, new InferOptions { MaxBatchesInFlight = 2 }, metrics));
        var twoAccepted = new ManualResetEventSlim();
        var thirdAccepted = new ManualResetEventSlim();

        var producer = Task.Run(() =>
        {
            source.OnNext(Batch(0, Make(1, 0)));
            source.OnNext(Batch(1, Make(1, 1)));
            twoAccepted.Set();
            source.OnNext(Batch(2, Make(1, 2)));   // must wait: batch 0 is on the model, batch 1 queued
            thirdAccepted.Set();
            source.OnCompleted();
        });

        Assert.True(model.Entered.Wait(Patience), "the model never started");
        Assert.True(twoAccepted.Wait(Patience), "the first two batches were not accepted");
        // Negative evidence needs some waiting; a pass never depends on speed, only a broken bound fails.
        Assert.False(thirdAccepted.Wait(TimeSpan.FromMilliseconds(300)), "OnNext returned although the queue was full");
        Assert.Equal(2, metrics.BatchesInFlight.Value);
        Assert.Equal(1, model.Runs);

        model.Gate.Set();
        Assert.True(await producer.FinishesWithin(Patience));
        sink.Wait();
        Assert.True(sink.Completed);
        Assert.Equal([0L, 1L, 2L], sink.Items.Select(a => a.Window.Index));
        Assert.Equal(0, metrics.BatchesInFlight.Value);
    }

    [Fact]
    public void A_failing_run_marks_its_windows_and_the_stream_goes_on()
    {
        var model = new FakeFindingsModel(maxBatchSize: 2);
        model.FailingRuns.Add(1);   // second run: the 3rd and 4th analyzable windows
        var metrics = new PipelineMetrics(Prometheus.Metrics.NewCustomRegistry());
        var batches = new[]
        {
            Batch(0, Make(1, 0), Make(2, 0)),
            Batch(1, Make(1, 1), Make(3, 0, analyzable: false), Make(2, 1)),
            Batch(2, Make(1, 2)),
        };
        var output = batches.ToObservable().Infer(model, new InferOptions(), metrics).ToList().Wait();

        Assert.Equal(6, output.Count);
        Assert.NotNull(output[0].Probabilities);
        Assert.NotNull(output[1].Probabilities);
        foreach (var failed in new[] { output[2], output[4] })
        {
            Assert.Null(failed.Probabilities);
            Assert.Equal("InvalidOperationException: run 1 failed", failed.InferenceFailure);
            Assert.DoesNotContain("patient", failed.InferenceFailure);
        }
        Assert.Null(output[3].InferenceFailure);     // no signal: never went to the model
        Assert.Null(output[3].Probabilities);
        Assert.NotNull(output[5].Probabilities);
        Assert.All(output, a => Assert.True(a.Window.SignalReleased));
        Assert.Equal(1, metrics.InferenceFailures.Value);
    }

    [Fact]
    public void Completion_waits_for_the_batches_in_flight()
    {
        var model = new FakeFindingsModel { Gate = new ManualResetEventSlim(false) };
        var source = new Subject<WindowBatch>();
        var sink = new Sink();
        using var sub = sink.Attach(source.Infer(model, new InferOptions { MaxBatchesInFlight = 3 }));
        source.OnNext(Batch(0, Make(1, 0)));
        source.OnNext(Batch(1, Make(1, 1), Make(1, 2)));
        source.OnCompleted();                      // returns at once; the stage still owes three windows
        Assert.True(model.Entered.Wait(Patience));
        Assert.False(sink.Done.IsSet);
        model.Gate.Set();
        sink.Wait();
        Assert.True(sink.Completed);
        Assert.Equal([0L, 1L, 2L], sink.Items.Select(a => a.Window.Index));
    }

    [Fact]
    public void A_source_error_passes_on_after_the_batches_in_flight()
    {
        var model = new FakeFindingsModel { Gate = new ManualResetEventSlim(false) };
        var source = new Subject<WindowBatch>();
        var sink = new Sink();
        using var sub = sink.Attach(source.Infer(model, new InferOptions()));
        source.OnNext(Batch(0, Make(1, 0)));
        var ex = new IOException("broker gone");
        source.OnError(ex);
        Assert.True(model.Entered.Wait(Patience));
        model.Gate.Set();
        sink.Wait();
        Assert.Same(ex, sink.Error);
        Assert.Equal(0L, Assert.Single(sink.Items).Window.Index);
    }

    [Fact]
    public void Disposing_releases_the_samples_of_queued_batches()
    {
        var model = new FakeFindingsModel { Gate = new ManualResetEventSlim(false) };
        var source = new Subject<WindowBatch>();
        var sink = new Sink();
        var sub = sink.Attach(source.Infer(model, new InferOptions { MaxBatchesInFlight = 3 }));
        var running = Make(1, 0);
        var queued = Make(1, 1);
        source.OnNext(Batch(0, running));
        source.OnNext(Batch(1, queued));
        Assert.True(model.Entered.Wait(Patience));
        sub.Dispose();
        model.Gate.Set();
        SpinWait.SpinUntil(() => queued.Window.SignalReleased, Patience);
        Assert.True(queued.Window.SignalReleased);
        Assert.True(running.Window.SignalReleased);   // copied into the model before the run
        var late = Make(1, 2);
        source.OnNext(Batch(2, late));                // nobody subscribed any more
        Assert.Equal(1, model.Runs);
    }

    [Fact]
    public void A_window_shaped_for_another_model_fails_alone()
    {
        var model = new FakeFindingsModel();
        var wrong = Make(2, 0, geometry: new CGDmer.Pipeline.Windowing.WindowGeometry(100, 40, Leads.StandardOrder, SmallGeometry.Preprocessing));
        var output = Observable.Return(Batch(0, Make(1, 0), wrong, Make(3, 0))).Infer(model, new InferOptions()).ToList().Wait();
        Assert.NotNull(output[0].Probabilities);
        Assert.Contains("does not match", output[1].InferenceFailure);
        Assert.NotNull(output[2].Probabilities);
        Assert.Equal([2], model.RunSizes);
    }

    [Fact]
    public void Options_and_arguments_are_checked()
    {
        Assert.Equal("MaxBatchesInFlight", Assert.Throws<ArgumentException>(() => new InferOptions { MaxBatchesInFlight = 0 }.Validate()).ParamName);
        var src = Observable.Empty<WindowBatch>();
        Assert.Throws<ArgumentNullException>(() => src.Infer(null!, new InferOptions()));
        Assert.Throws<ArgumentNullException>(() => src.Infer(new FakeFindingsModel(), null!));
        Assert.Throws<ArgumentException>(() => src.Infer(new FakeFindingsModel(), new InferOptions { MaxBatchesInFlight = -1 }));
    }
}
