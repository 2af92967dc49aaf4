// FHIR POCO properties are nullable throughout; these tests assert their presence explicitly.
#nullable disable warnings
using CGDmer.Contracts;
using CGDmer.Pipeline.Interpretation;
using CGDmer.Pipeline.Publishing;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal;
using Hl7.Fhir.Model;
using static CGDmer.Pipeline.Tests.Publishing.PublishTestData;

namespace CGDmer.Pipeline.Tests.Publishing;

public class AlarmStripsTests
{
    private static readonly Lead[] Missing = [.. Leads.StandardOrder.Where(l => l is not (Lead.II or Lead.V1))];

    /// <summary>A window of II and V1 whose sample i of row r is (r + 1) · i µV, starting <paramref name="seconds"/> after T0.</summary>
    private static EcgWindow Window(double seconds)
    {
        var w = PublishTestData.Window(Model(), start: T0.AddSeconds(seconds), missing: Missing);
        var g = w.Geometry;
        for (int row = 0; row < g.LeadCount; row++)
            for (int i = 0; i < g.WindowSamples; i++) w.Signal[row * g.WindowSamples + i] = (row + 1) * i / 1000f;
        return w;
    }

    private static int[] Microvolts(Observation strip, int component) =>
        ((SampledData)strip.Component[component].Value).Data.Split(' ').Select(int.Parse).ToArray();

    [Fact]
    public void An_onset_strip_is_the_window_with_the_previous_windows_hop_before_it_per_lead()
    {
        using var strips = new AlarmStrips(Factory(Model()));
        var before = Window(0);
        var current = Window(5);
        Assert.Null(strips.Next(before, SignalStrip.CopyOf(before), onset: false));
        var strip = strips.Next(current, SignalStrip.CopyOf(current), onset: true);

        Assert.StartsWith(ObservationIds.Strip + "-", strip.Id);
        var period = (Period)strip.Effective;
        Assert.Equal((AlertIds.FormatTime(T0), AlertIds.FormatTime(T0.AddSeconds(15))), (period.Start, period.End));
        Assert.Equal("131328", strip.Code.Coding.Single().Code);
        Assert.Equal(["131330", "131331"], strip.Component.Select(c => c.Code.Coding.Single().Code));   // MDC_ECG_ELEC_POTL_II, _V1
        var data = (SampledData)strip.Component[0].Value;
        Assert.Equal((0m, "mV", 10m, 0.001m, 1), (data.Origin.Value, data.Origin.Code, data.Period, data.Factor, data.Dimensions));
        // II is row 1 of the standard order: (1 + 1) · i µV. 500 samples of the previous window, then the 1000 of this one.
        int row = Leads.StandardOrder.ToList().IndexOf(Lead.II);
        var ii = Microvolts(strip, 0);
        Assert.Equal(1500, ii.Length);
        Assert.Equal(Enumerable.Range(0, 500).Select(i => (row + 1) * i), ii[..500]);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (row + 1) * i), ii[500..]);
        Assert.Equal("Device/" + DeviceFactory.MonitorId("monitor-7"), strip.Device.Reference);
        Assert.Empty(PocoErrors(strip));
    }

    [Fact]
    public void Without_a_contiguous_previous_window_the_strip_is_the_window_alone()
    {
        using var strips = new AlarmStrips(Factory(Model()));
        var old = Window(0);
        strips.Next(old, SignalStrip.CopyOf(old), onset: false);
        var later = Window(60);   // a gap: the previous window ended 50 s before
        var strip = strips.Next(later, SignalStrip.CopyOf(later), onset: true);
        Assert.Equal(1000, Microvolts(strip, 1).Length);
        Assert.Equal(AlertIds.FormatTime(T0.AddSeconds(60)), ((Period)strip.Effective).Start);
    }

    [Fact]
    public void Strips_are_released_once_replaced_and_at_the_end()
    {
        var strips = new AlarmStrips(Factory(Model()));
        var first = SignalStrip.CopyOf(Window(0));
        var second = SignalStrip.CopyOf(Window(5));
        strips.Next(Window(0), first, onset: false);
        Assert.False(first.Released);
        strips.Next(Window(5), second, onset: true);
        Assert.True(first.Released);
        Assert.False(second.Released);
        strips.Dispose();
        Assert.True(second.Released);
        Assert.Null(SignalStrip.CopyOf(PublishTestData.Window(Model(), missing: [.. Leads.StandardOrder])));   // no lead present
    }

    /// <summary>Window 5 published with its strip and <paramref name="alert"/>, as the publish stage does at an onset.</summary>
    private static PublishedWindow PublishOnset(AlertEvent alert, out EcgWindow window)
    {
        var model = Model();
        var factory = Factory(model);
        using var strips = new AlarmStrips(factory);
        window = Window(5);
        var interpreted = Interpreted(model, window);
        interpreted = interpreted with
        {
            Analyzed = interpreted.Analyzed with { Strip = SignalStrip.CopyOf(window) },
            Alerts = [alert],
        };
        return ToFhirOperator.ToFhirOne(interpreted, factory, null, strips);
    }

    [Fact]
    public void The_publish_stage_adds_the_strip_which_the_onset_and_the_EKG_impression_reference()
    {
        var published = PublishOnset(AlertResourceFactoryTests.Event("onset"), out var window);
        var model = Model();
        var factory = Factory(model);

        var strip = published.Observations.Last();
        Assert.Equal(ObservationIds.Strip, strip.Kind);
        Assert.Contains(strip.Id, published.Alerts.Single().ObservationIds);
        // The EKG impression rests on the strip; apart from that reference it is what it would be without an alarm.
        var impression = published.Observations.Single(o => o.Kind == ObservationIds.Findings);
        Assert.Equal("Observation/" + strip.Id, impression.Resource.DerivedFrom.Single().Reference);
        Assert.Empty(strip.Resource.DerivedFrom);
        var withoutAlarm = ToFhirOperator.ToFhirOne(Interpreted(model, window), factory, null, null);
        var plain = withoutAlarm.Observations.Single(o => o.Kind == ObservationIds.Findings).Resource;
        Assert.Empty(plain.DerivedFrom);
        var referencing = (Hl7.Fhir.Model.Observation)impression.Resource.DeepCopy();
        referencing.DerivedFrom.Clear();
        Assert.Equal(FhirNdjson.Serialize(plain), FhirNdjson.Serialize(referencing));
        Assert.Contains("Observation/" + strip.Id, published.AlertResources.Single().About.Select(a => a.Reference));
        Assert.Null(published.Failure);
    }

    [Fact]
    public void A_heart_rate_alarm_s_onset_names_its_strip_too()
    {
        var published = PublishOnset(AlertResourceFactoryTests.HeartRateEvent("asystole", null), out _);
        var strip = published.Observations.Last();
        Assert.Equal(ObservationIds.Strip, strip.Kind);
        Assert.Equal([strip.Id], published.Alerts.Single().ObservationIds);
        Assert.Null(published.Failure);
    }
}
