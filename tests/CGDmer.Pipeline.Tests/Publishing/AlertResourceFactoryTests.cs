// FHIR POCO properties are nullable throughout; these tests assert their presence explicitly.
#nullable disable warnings
using CGDmer.Contracts;
using CGDmer.Pipeline.Interpretation;
using CGDmer.Pipeline.Publishing;
using Hl7.Fhir.Model;
using static CGDmer.Pipeline.Tests.Publishing.PublishTestData;

namespace CGDmer.Pipeline.Tests.Publishing;

/// <summary>Alert events as IHE mACM CommunicationRequests.</summary>
public class AlertResourceFactoryTests
{
    internal static AlertEvent Event(string phase = "onset", string kind = "clinical", string code = "atrial_fibrillation", string priority = "medium")
    {
        var onset = T0.AddSeconds(-20);
        return new AlertEvent
        {
            AlertId = AlertIds.Derive("patient-0042", kind, code, onset, "0.1.0"),
            Event = phase, Kind = kind, Code = code, SnomedCt = kind == "clinical" ? "49436004" : null,
            Display = kind == "clinical" ? "Atrial fibrillation" : "Lead off", PatientId = "patient-0042", DeviceId = "monitor-7",
            Onset = onset, End = phase == "end" ? T0.AddSeconds(40) : null, ObservedAt = T0.AddSeconds(10), Probability = kind == "clinical" ? 0.91 : null,
            Priority = priority, ModelName = "cgdmer-small", ModelVersion = "0.1.0", ObservationIds = kind == "clinical" ? ["ecg-abc", "ecg-def"] : [],
        };
    }

    private static AlertResourceFactory New() => Factory(Model()).Alerts;

    [Fact]
    public void An_onset_is_an_active_alert_request_about_its_observations_from_the_model()
    {
        var e = Event();
        var r = New().Create(e);
        Assert.Equal(AlertResourceFactory.ResourceId(e.AlertId), r.Id);
        Assert.Equal("alert-" + e.AlertId, r.Id);
        Assert.True(Id.IsValidValue(r.Id));
        Assert.Equal(("urn:cgdmer:alert-id", e.AlertId), (r.Identifier.Single().System, r.Identifier.Single().Value));
        Assert.Equal(RequestStatus.Active, r.Status);
        Assert.Equal("alert", r.Category.Single().Coding.Single().Code);
        Assert.Equal(RequestPriority.Asap, r.Priority);
        Assert.Equal("patient-0042", r.Subject.Identifier.Value);
        Assert.Collection(r.ReasonCode.Single().Coding,
            c => Assert.Equal(("http://snomed.info/sct", "49436004"), (c.System, c.Code)),
            c => Assert.Equal(("urn:iso:std:iso:11073:10101", "199736", "MDC_EVT_ECG_ATR_FIB"), (c.System, c.Code, c.Display)));
        Assert.Equal(AlertIds.FormatTime(e.Onset), ((FhirDateTime)r.Occurrence).Value);
        Assert.Equal(AlertIds.FormatTime(e.ObservedAt), r.AuthoredOn);
        Assert.Equal("Device/" + DeviceFactory.DeriveId("cgdmer-small", "0.1.0"), r.Requester.Reference);
        Assert.Equal(["Observation/ecg-abc", "Observation/ecg-def"], r.About.Select(a => a.Reference));
        Assert.Contains("Atrial fibrillation", ((FhirString)r.Payload.Single().Content).Value);
        Assert.Contains("probability 0.91", ((FhirString)r.Payload.Single().Content).Value);
        Assert.Empty(PocoErrors(r));
    }

    [Fact]
    public void The_end_completes_the_same_resource_with_the_alerts_period()
    {
        var onset = New().Create(Event("onset"));
        var end = New().Create(Event("end"));
        Assert.Equal(onset.Id, end.Id);
        Assert.Equal(RequestStatus.Completed, end.Status);
        var period = Assert.IsType<Period>(end.Occurrence);
        Assert.Equal((AlertIds.FormatTime(T0.AddSeconds(-20)), AlertIds.FormatTime(T0.AddSeconds(40))), (period.Start, period.End));
    }

    [Fact]
    public void A_technical_alert_is_coded_in_the_project_system_and_requested_by_the_bedside_monitor()
    {
        var r = New().Create(Event("onset", "technical", "lead_off", "low"));
        Assert.Equal(RequestPriority.Routine, r.Priority);
        var code = r.ReasonCode.Single().Coding.Single();
        Assert.Equal(("urn:cgdmer:codesystem", "lead_off"), (code.System, code.Code));
        Assert.Equal("Device/" + DeviceFactory.MonitorId("monitor-7"), r.Requester.Reference);
        Assert.Equal("monitor-7", r.Requester.Identifier.Value);
        Assert.Empty(r.About);
        Assert.Equal(RequestPriority.Stat, New().Create(Event(priority: "high")).Priority);
    }

    /// <summary>A heart-rate alarm as the tracker raises it: no model, no probability, the rate it compared.</summary>
    internal static AlertEvent HeartRateEvent(string code = "heart_rate_high", double? bpm = 187.5) =>
        Event() with
        {
            AlertId = AlertIds.Derive("patient-0042", "heart_rate", code, T0.AddSeconds(-20), null),
            Kind = "heart_rate", Code = code, SnomedCt = AlertVocabulary.HeartRateSnomedCt(code), Display = AlertVocabulary.HeartRateDisplay(code),
            Probability = null, HeartRateBpm = bpm, ModelName = null, ModelVersion = null, ObservationIds = [],
        };

    [Fact]
    public void A_heart_rate_alarm_is_coded_in_SNOMED_CT_and_MDC_and_requested_by_the_bedside_monitor()
    {
        var r = New().Create(HeartRateEvent());
        Assert.Collection(r.ReasonCode.Single().Coding,
            c => Assert.Equal(("http://snomed.info/sct", "3424008"), (c.System, c.Code)),
            c => Assert.Equal(("urn:iso:std:iso:11073:10101", "196650", "MDC_EVT_HI_GT_LIM"), (c.System, c.Code, c.Display)));
        Assert.Equal("Device/" + DeviceFactory.MonitorId("monitor-7"), r.Requester.Reference);
        Assert.Contains("heart rate 188 /min", ((FhirString)r.Payload.Single().Content).Value);
        Assert.DoesNotContain("probability", ((FhirString)r.Payload.Single().Content).Value);
        var asystole = New().Create(HeartRateEvent("asystole", null));
        Assert.Equal("199684", asystole.ReasonCode.Single().Coding[1].Code);
        Assert.Empty(PocoErrors(r));
    }

    [Fact]
    public void The_same_event_gives_the_same_resource()
    {
        Assert.Equal(FhirNdjson.Serialize(New().Create(Event())), FhirNdjson.Serialize(New().Create(Event())));
    }

    [Fact]
    public void The_publish_stage_attaches_one_resource_per_alert_event_in_order()
    {
        var model = Model();
        var window = Interpreted(model) with { Alerts = [Event("onset"), Event("end", "technical", "lead_off", "low")] };
        var published = ToFhirOperator.ToFhirOne(window, Factory(model), null);
        Assert.Equal(2, published.AlertResources.Count);
        Assert.Equal(RequestStatus.Active, published.AlertResources[0].Status);
        Assert.Equal(RequestStatus.Completed, published.AlertResources[1].Status);
        Assert.Null(published.Failure);
    }
}
