using System.Reactive.Linq;
using System.Reactive.Subjects;
using CGDmer.Pipeline.Measurement;
using CGDmer.Pipeline.Metrics;
using CGDmer.Pipeline.Concurrency;
using CGDmer.Signal.Synthesis;
using Prometheus;
using static CGDmer.TestSupport.MeasurementTestData;

namespace CGDmer.Pipeline.Tests.Measurement;

public class MeasureOperatorTests
{
    [Fact]
    public void A_failing_window_gets_None_and_the_stream_goes_on()
    {
        var metrics = new PipelineMetrics(Prometheus.Metrics.NewCustomRegistry());
        var good1 = Window(Synthesize(RhythmKind.Sinus, 70, 1));
        var broken = Window(Synthesize(RhythmKind.Sinus, 70, 2));
        broken.ReleaseSignal(); // reading it now throws inside the measurer
        var good2 = Window(Synthesize(RhythmKind.Sinus, 90, 3));
        var results = new List<MeasuredWindow>();
        Exception? error = null;
        bool completed = false;
        new[] { good1, broken, good2 }.ToObservable().Measure(new WindowMeasurer(), metrics)
            .Subscribe(results.Add, e => error = e, () => completed = true);

        Assert.Null(error);
        Assert.True(completed);
        Assert.Equal([good1, broken, good2], results.Select(r => r.Window));
        Assert.Same(WindowMeasurement.None, results[1].Measurement);
        Assert.NotNull(results[0].Measurement.HeartRateBpm);
        Assert.NotNull(results[2].Measurement.HeartRateBpm);
        Assert.Equal(1, metrics.MeasurementFailures.Value);
        Assert.Equal(2, metrics.SignalQuality.Count);
        Assert.False(good1.SignalReleased);
    }

    [Fact]
    public void Source_errors_pass_through()
    {
        var subject = new Subject<CGDmer.Pipeline.Windowing.EcgWindow>();
        Exception? error = null;
        subject.Measure(new WindowMeasurer()).Subscribe(_ => { }, e => error = e);
        subject.OnError(new InvalidOperationException("upstream"));
        Assert.IsType<InvalidOperationException>(error);
    }

    [Fact]
    public void Arguments_are_checked()
    {
        Assert.Throws<ArgumentNullException>(() => Observable.Empty<CGDmer.Pipeline.Windowing.EcgWindow>().Measure(null!));
        Assert.Throws<ArgumentNullException>(() => ((IObservable<CGDmer.Pipeline.Windowing.EcgWindow>)null!).Measure(new WindowMeasurer()));
    }
}
