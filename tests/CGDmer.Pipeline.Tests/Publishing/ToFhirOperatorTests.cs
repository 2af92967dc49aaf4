// FHIR POCO properties are nullable throughout; these tests assert their presence explicitly.
#nullable disable warnings
using System.Reactive.Linq;
using System.Reactive.Subjects;
using CGDmer.Pipeline.Interpretation;
using CGDmer.Pipeline.Metrics;
using CGDmer.Pipeline.Concurrency;
using CGDmer.Pipeline.Publishing;
using CGDmer.Pipeline.Windowing;
using static CGDmer.Pipeline.Tests.Publishing.PublishTestData;

namespace CGDmer.Pipeline.Tests.Publishing;

public class ToFhirOperatorTests
{
    private static AlertEvent Alert(string patient) => new()
    {
        AlertId = "a1", Event = "onset", Kind = "clinical", Code = "atrial_fibrillation", SnomedCt = "49436004",
        Display = "Atrial fibrillation", PatientId = patient, DeviceId = "monitor-7", Onset = T0, ObservedAt = T0,
        Priority = "high", Probability = 0.9, ModelName = "cgdmer-small", ModelVersion = "0.1.0",
    };

    [Fact]
    public void Publishes_each_window_with_its_observations_and_alerts_and_records_metrics()
    {
        var model = Model();
        var metrics = new PipelineMetrics(Prometheus.Metrics.NewCustomRegistry());
        var alerts = new[] { Alert("patient-0042") };
        var input = new[]
        {
            Interpreted(model, alerts: alerts),                                              // hr + ecg
            Interpreted(model, Window(model, start: T0.AddSeconds(5)), measurement: Measured(hr: null)), // ecg
            Interpreted(model, Window(model, start: T0.AddSeconds(10), status: WindowStatus.NoSignal)) with { Findings = [] },
            Interpreted(model, Window(model, start: T0.AddSeconds(15)), suppressed: "poor_signal"), // ecg (data absent)
        };

        var output = input.ToObservable().ToFhir(Factory(model), metrics).ToList().Wait();

        Assert.Equal(4, output.Count);
        Assert.Equal(input, output.Select(o => o.Interpreted));
        Assert.Equal(["hr", "ecg"], output[0].Observations.Select(o => o.Kind));
        Assert.Same(alerts, output[0].Alerts);
        Assert.Equal("patient-0042", output[0].PatientId);
        Assert.Equal(["ecg"], output[1].Observations.Select(o => o.Kind));
        Assert.Empty(output[2].Observations);
        Assert.Equal(["ecg"], output[3].Observations.Select(o => o.Kind));
        Assert.All(output, o => Assert.False(o.Failed));

        Assert.Equal(1, metrics.Observations.WithLabels("hr").Value);
        Assert.Equal(3, metrics.Observations.WithLabels("ecg").Value);
        Assert.Equal(4, metrics.EndToEndSeconds.Count);
        Assert.InRange(metrics.EndToEndSeconds.Sum, 0, 600);
        // Alerts are counted by the interpret stage; publishing them again must not double count.
        Assert.Equal(0, metrics.Alerts.WithLabels("clinical", "atrial_fibrillation", "onset").Value);
    }

    [Fact]
    public void A_window_that_fails_is_emitted_with_its_alerts_and_the_stream_goes_on()
    {
        var model = Model();
        var metrics = new PipelineMetrics(Prometheus.Metrics.NewCustomRegistry());
        // A control character in the patient id cannot go into a FHIR string: the factory refuses the window.
        var broken = Interpreted(model, Window(model, patient: "bad\u0007id"), alerts: [Alert("x")]);
        var input = new[] { Interpreted(model), broken, Interpreted(model, Window(model, start: T0.AddSeconds(5))) };

        var output = new List<PublishedWindow>();
        Exception? error = null;
        bool completed = false;
        using var subject = new Subject<InterpretedWindow>();
        using var _ = subject.ToFhir(Factory(model), metrics).Subscribe(output.Add, e => error = e, () => completed = true);
        foreach (var w in input) subject.OnNext(w);
        subject.OnCompleted();

        Assert.Null(error);
        Assert.True(completed);
        Assert.Equal(3, output.Count);
        Assert.True(output[1].Failed);
        Assert.Equal("building the Observations threw ArgumentException", output[1].Failure);
        Assert.Empty(output[1].Observations);
        Assert.Single(output[1].Alerts);
        Assert.DoesNotContain("bad", output[1].Failure); // no patient data in the failure text
        Assert.Equal(2, output[2].Observations.Count);
        Assert.Equal(2, metrics.Observations.WithLabels("hr").Value);
        Assert.Equal(3, metrics.EndToEndSeconds.Count);
    }

    [Fact]
    public void Source_errors_pass_through()
    {
        var boom = new InvalidOperationException("source");
        var ex = Assert.Throws<InvalidOperationException>(() =>
            Observable.Throw<InterpretedWindow>(boom).ToFhir(Factory()).ToList().Wait());
        Assert.Same(boom, ex);
    }

    [Fact]
    public void Works_without_metrics_and_checks_arguments()
    {
        var model = Model();
        var one = new[] { Interpreted(model) }.ToObservable().ToFhir(Factory(model)).ToList().Wait();
        Assert.Equal(2, Assert.Single(one).Observations.Count);
        Assert.Throws<ArgumentNullException>(() => ToFhirOperator.ToFhir(null!, Factory()));
        Assert.Throws<ArgumentNullException>(() => ToFhirOperator.ToFhir(Observable.Empty<InterpretedWindow>(), null!));
    }
}
