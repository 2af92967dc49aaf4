using System.Reactive.Linq;
using CGDmer.Pipeline.Interpretation;
using CGDmer.Pipeline.Metrics;

namespace CGDmer.Pipeline.Publishing;

/// <summary>Rx stage 8: to FHIR. Turns each interpreted window into its FHIR Observations; one bad window never ends the stream.
/// (Named so, not <c>Publish</c>, to stay apart from Rx's multicast <c>Publish()</c> in the same chain.)</summary>
public static class ToFhirOperator
{
    /// <summary>
    /// Maps each window to a <see cref="PublishedWindow"/> with the Observations of <paramref name="factory"/>, the
    /// window's alert events and their FHIR resources (<see cref="ObservationFactory.Alerts"/>). Records <c>Observations{kind}</c> and the end-to-end latency (from
    /// <see cref="Windowing.EcgWindow.CompletedTimestamp"/>) per window; alert events are counted by the interpret stage.
    /// If building the Observations throws, the window is still emitted, with no Observations, its alerts and the
    /// exception type in <see cref="PublishedWindow.Failure"/>: an alert must not be lost because its Observation failed.
    /// Errors of <paramref name="source"/> itself are passed through.
    /// </summary>
    public static IObservable<PublishedWindow> ToFhir(this IObservable<InterpretedWindow> source, ObservationFactory factory, PipelineMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(factory);
        return source.Select(window => ToFhirOne(window, factory, metrics));
    }

    internal static PublishedWindow ToFhirOne(InterpretedWindow window, ObservationFactory factory, PipelineMetrics? metrics)
    {
        PublishedWindow published;
        try
        {
            published = new PublishedWindow(window, factory.Create(window));
        }
        catch (Exception ex)
        {
            // The message may echo the patient id; only the type is kept.
            published = new PublishedWindow(window, [], $"building the Observations threw {ex.GetType().Name}");
        }
        if (window.Alerts.Count > 0)
        {
            try
            {
                var resources = new Hl7.Fhir.Model.CommunicationRequest[window.Alerts.Count];
                for (int i = 0; i < resources.Length; i++) resources[i] = factory.Alerts.Create(window.Alerts[i]);
                published = published with { AlertResources = resources };
            }
            catch (Exception ex)
            {
                // The alert events themselves still go out; only their FHIR form is missing.
                published = published with { Failure = published.Failure ?? $"building the alert resources threw {ex.GetType().Name}" };
            }
        }
        if (metrics is not null)
        {
            foreach (var o in published.Observations) metrics.Observations.WithLabels(o.Kind).Inc();
            metrics.EndToEndSeconds.Observe(PipelineMetrics.SecondsSince(window.Analyzed.Window.CompletedTimestamp));
        }
        return published;
    }
}
