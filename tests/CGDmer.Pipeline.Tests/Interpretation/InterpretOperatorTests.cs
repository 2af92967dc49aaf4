using System.Reactive.Linq;
using System.Reactive.Subjects;
using CGDmer.Pipeline.Inference;
using CGDmer.Pipeline.Interpretation;
using CGDmer.Pipeline.Metrics;
using CGDmer.Pipeline.Concurrency;
using Prometheus;
using static CGDmer.Pipeline.Tests.Interpretation.Fx;

namespace CGDmer.Pipeline.Tests.Interpretation;

public class InterpretOperatorTests
{
    [Fact]
    public void Emits_one_interpreted_window_per_input_in_order_with_findings_alerts_and_metrics()
    {
        var metrics = new PipelineMetrics(Prometheus.Metrics.NewCustomRegistry());
        var interpreter = new Interpreter(Metadata(), Options());
        var tracker = new AlertTracker(interpreter);
        var input = new List<AnalyzedWindow>
        {
            Window(0, Probs(Af, 0.9f)), Window(0, Probs(Af, 0.9f), patient: "b"),
            Window(1, Probs(Af, 0.9f)), Window(2, Probs(Af, 0.9f), sqi: 0.1), Window(3, Probs(Af, 0.1f)), Window(4, Probs(Af, 0.1f)),
        };
        var output = new List<InterpretedWindow>();
        var subject = new Subject<AnalyzedWindow>();
        using (subject.Interpret(interpreter, tracker, metrics).Subscribe(output.Add))
            foreach (var w in input) subject.OnNext(w);

        Assert.Equal(input, output.Select(o => o.Analyzed));
        Assert.Equal(Metadata().Labels.Count, output[0].Findings.Count);
        // The first AF window awaits confirmation; the second confirms it (and starts the alert).
        Assert.True(output[0].Findings[IndexOf(Af)].Unconfirmed);
        Assert.DoesNotContain(output[0].PresentFindings, f => f.Label.Key == Af);
        Assert.Equal([Af], output[2].PresentFindings.Where(f => f.Label.Key == Af).Select(f => f.Label.Key));
        Assert.Equal("onset", Assert.Single(output[2].Alerts).Event);
        Assert.Empty(output[3].Findings);
        Assert.Equal(SuppressionReasons.PoorSignal, output[3].ClinicalSuppressedReason);
        Assert.Equal("end", Assert.Single(output[5].Alerts).Event);
        Assert.Equal(1, metrics.Alerts.WithLabels("clinical", Af, "onset").Value);
        Assert.Equal(1, metrics.Alerts.WithLabels("clinical", Af, "end").Value);
        Assert.Equal(0, metrics.Alerts.WithLabels("technical", "poor_signal", "onset").Value);
    }

    [Fact]
    public void Each_subscription_has_its_own_alert_state()
    {
        var interpreter = new Interpreter(Metadata(), Options());
        var source = Series(Af, [0.9f, 0.9f, 0.9f]).ToList().ToObservable();
        var stage = source.Interpret(interpreter);
        var first = stage.SelectMany(w => w.Alerts).ToList().Wait();
        var second = stage.SelectMany(w => w.Alerts).ToList().Wait();
        Assert.Equal("onset", Assert.Single(first).Event);
        Assert.Equal(first.Select(AlertEventJson.Serialize), second.Select(AlertEventJson.Serialize));
    }

    [Fact]
    public void A_window_that_cannot_be_interpreted_passes_on_without_ending_the_stream()
    {
        var interpreter = new Interpreter(Metadata(), Options());
        var broken = Window(1, Probs(Af, 0.9f)) with { Measurement = null! };
        var output = new[] { Window(0, Probs(Af, 0.9f)), broken, Window(2, Probs(Af, 0.9f)) }
            .ToObservable().Interpret(interpreter).ToList().Wait();
        Assert.Equal(3, output.Count);
        Assert.Equal(SuppressionReasons.InternalError, output[1].ClinicalSuppressedReason);
        Assert.Empty(output[1].Findings);
        Assert.Empty(output[1].Alerts);
        Assert.Equal("onset", Assert.Single(output[2].Alerts).Event);   // the broken window neither counted nor broke the run
    }

    [Fact]
    public void A_tracker_of_another_interpreter_is_refused()
    {
        var a = new Interpreter(Metadata(), Options());
        var b = new Interpreter(Metadata(), Options());
        Assert.Throws<ArgumentException>(() => Observable.Empty<AnalyzedWindow>().Interpret(a, new AlertTracker(b)));
    }
}
