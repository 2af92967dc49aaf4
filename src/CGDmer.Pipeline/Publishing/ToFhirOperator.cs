using System.Reactive.Linq;
using CGDmer.Pipeline.Interpretation;
using CGDmer.Pipeline.Metrics;
using Hl7.Fhir.Model;

namespace CGDmer.Pipeline.Publishing;

/// <summary>Rx stage 8: to FHIR. Turns each interpreted window into its FHIR Observations; one bad window never ends the stream.
/// (Named so, not <c>Publish</c>, to stay apart from Rx's multicast <c>Publish()</c> in the same chain.)</summary>
public static class ToFhirOperator
{
    /// <summary>
    /// Maps each window to a <see cref="PublishedWindow"/> with the Observations of <paramref name="factory"/>, the
    /// window's alert events and their FHIR resources (<see cref="ObservationFactory.Alerts"/>). A window that raises a
    /// clinical alarm also gets the alarm's ECG strip (<see cref="AlarmStrips"/>), which the alarm's onset event
    /// references and which names the window's EKG impression; the window's <see cref="Inference.AnalyzedWindow.Strip"/>
    /// is released here. Records <c>Observations{kind}</c> and the end-to-end latency (from
    /// <see cref="Windowing.EcgWindow.CompletedTimestamp"/>) per window; alert events are counted by the interpret stage.
    /// If building the Observations throws, the window is still emitted, with no Observations, its alerts and the
    /// exception type in <see cref="PublishedWindow.Failure"/>: an alert must not be lost because its Observation failed.
    /// Errors of <paramref name="source"/> itself are passed through.
    /// </summary>
    public static IObservable<PublishedWindow> ToFhir(this IObservable<InterpretedWindow> source, ObservationFactory factory, PipelineMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(factory);
        // One strip memory per subscription: the previous window of each patient, for an alarm strip's pre-roll.
        return Observable.Defer(() =>
        {
            var strips = new AlarmStrips(factory);
            return source.Select(window => ToFhirOne(window, factory, metrics, strips)).Finally(strips.Dispose);
        });
    }

    /// <summary>An onset of a physiological alarm (model finding or heart-rate alarm): it gets an ECG strip.</summary>
    private static bool NamesStrip(AlertEvent a) =>
        a.Event == AlertVocabulary.Onset && AlertVocabulary.IsPhysiological(a.Kind);

    internal static PublishedWindow ToFhirOne(InterpretedWindow window, ObservationFactory factory, PipelineMetrics? metrics, AlarmStrips? strips = null)
    {
        var analyzed = window.Analyzed;
        Observation? strip = null;
        string? stripFailure = null;
        if (strips is null) analyzed.Strip?.Release();
        else
        {
            bool onset = false;
            foreach (var a in window.Alerts) onset |= NamesStrip(a);
            try { strip = strips.Next(analyzed.Window, analyzed.Strip, onset); }
            catch (Exception ex) { stripFailure = $"building the alarm strip threw {ex.GetType().Name}"; }
        }
        if (strip is not null)
        {
            // The physiological onsets (model findings, heart-rate alarms) name their strip among the Observations they rest on.
            var alerts = new AlertEvent[window.Alerts.Count];
            for (int i = 0; i < alerts.Length; i++)
            {
                var a = window.Alerts[i];
                alerts[i] = NamesStrip(a) ? a with { ObservationIds = [.. a.ObservationIds, strip.Id!] } : a;
            }
            window = window with { Alerts = alerts };
        }
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
        if (strip is not null)
        {
            // The window's EKG impression rests on the strip that raised the alarm (derivedFrom). Whether a window raises an
            // alarm depends on the alert state before it: a transport that re-reads after a restart restores that state
            // with its commits (AlertCheckpoint), so a re-published impression names the same strip.
            foreach (var o in published.Observations)
                if (o.Kind == CGDmer.Contracts.ObservationIds.Findings) o.Resource.DerivedFrom.Add(new ResourceReference("Observation/" + strip.Id));
            published = published with { Observations = [.. published.Observations, new PublishedObservation(CGDmer.Contracts.ObservationIds.Strip, strip)] };
        }
        if (stripFailure is not null) published = published with { Failure = published.Failure ?? stripFailure };
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
