using System.Security.Cryptography;
using System.Text;
using CGDmer.Contracts;
using CGDmer.Pipeline.Interpretation;
using CGDmer.Pipeline.Publishing;
using CGDmer.Transports.Hl7.Er7;
using Hl7.Fhir.Model;

namespace CGDmer.Transports.Hl7.Pcd;

/// <summary>
/// Encodes the pipeline's output as IHE Patient Care Device messages, HL7 v2.6: PCD-01 "Communicate PCD Data"
/// (ORU^R01) for an analysed window and PCD-04 "Report Alert" (ORU^R40, Alarm Communication Management) for an alert
/// event. Pure and deterministic: the same output gives the same bytes (MSH-7 is the data's time, not the clock's, and
/// MSH-10 a hash of what the message reports), so a message sent again after a restart is identical to the first.
/// </summary>
/// <remarks>
/// The containment follows PCD-01's dotted OBX-4 notation <c>MDS.VMD.channel.metric</c>: the bedside monitor is the MDS
/// (1.0.0.0, OBX-18 its device id), the ECG analysis the VMD (1.1.0.0), its metrics 1.1.1.n. An alert's facets are
/// <c>1.1.1.1.f</c> (PCD-04: f = 1 the alert, 2 its source, 3 the event phase, 4 the alarm state, 5 the inactivation
/// state, 6 a reference to the alarm's ECG strip when there is one), with priority and kind in facet 1's OBX-8. Codes
/// and what has none are in the project's README.
/// </remarks>
public sealed class PcdMessageEncoder
{
    /// <summary>The coding system of the project's own codes (HL7's convention: local systems start with 99).</summary>
    public const string LocalCodingSystem = "99CGDMER";
    public const string Pcd01Profile = "IHE_PCD_001";
    public const string Pcd01ProfileOid = "1.3.6.1.4.1.19376.1.6.1.1.1";
    public const string Pcd04Profile = "IHE_PCD_ACM_001";
    public const string Pcd04ProfileOid = "1.3.6.1.4.1.19376.1.6.4.4";

    private const string Version = "2.6";
    private const string ResultStatus = "R";   // results from a device, not verified by a person
    private static readonly string?[] AutoMeasurement = ["AMEAS", "auto-measurement", MdcCode.CodingSystem];
    private static readonly string?[] PerMinute = ["/min", "/min", "UCUM"];
    private static readonly string?[] Unitless = ["1", "1", "UCUM"];
    private static readonly string?[] EkgImpression = ["8601-7", "EKG impression", "LN"];
    private static readonly string?[] SignalQuality = ["signal-quality-index", "Signal quality index", LocalCodingSystem];
    private static readonly string?[] Monitoring = ["182777000", "Monitoring of patient", "SCT"];
    private static readonly string?[] StripCode = ["131328", "MDC_ECG_ELEC_POTL", MdcCode.CodingSystem];

    private readonly Hl7Options _options;

    public PcdMessageEncoder(Hl7Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Validate();
    }

    /// <summary>The messages of one published window, in order: its PCD-01 (when enabled and it has Observations), then a PCD-04 per alert event (when enabled).</summary>
    public IEnumerable<Hl7Message> Encode(PublishedWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        if (_options.PublishObservations && Observations(window) is { } oru) yield return oru;
        if (!_options.PublishAlerts) yield break;
        foreach (var alert in window.Alerts) yield return Alert(alert, window);
    }

    /// <summary>PCD-01 ORU^R01 of a window with Observations (heart rate, EKG impression); null for one without.</summary>
    public Hl7Message? Observations(PublishedWindow published)
    {
        ArgumentNullException.ThrowIfNull(published);
        if (published.Observations.Count == 0) return null;
        var window = published.Window;
        var interpreted = published.Interpreted;
        // The window's own Observations only: an alarm's strip depends on alert state that a restart does not restore,
        // and the PCD-01 of a window must be the same message whenever it is sent.
        string controlId = ControlId("pcd01", published.Observations.Where(o => o.Kind != ObservationIds.Strip).Select(o => o.Id));
        string observed = Er7.Er7.Timestamp(window.End);
        var message = new Er7MessageBuilder(Header(observed, "R01", "ORU_R01", controlId, Pcd01Profile, Pcd01ProfileOid));
        AddPatient(message, window.PatientId);
        message.Add(new Er7Segment("OBR").Field(1, "1").Field(2, controlId, _options.SendingApplication).Field(3, controlId, _options.SendingApplication)
            .Field(4, Monitoring).Field(7, Er7.Er7.Timestamp(window.Start)).Field(8, observed));
        int set = 0;
        message.Add(Device(++set, MdcCode.MultiParameterMonitorMds, "1.0.0.0").Field(18, window.DeviceId, NullIfEmpty(_options.DeviceIdAuthority)));
        message.Add(Device(++set, MdcCode.EcgVmd, "1.1.0.0"));
        int metric = 0;
        foreach (var o in published.Observations)
        {
            if (o.Kind == ObservationIds.HeartRate && o.Resource.Value is Quantity { Value: { } bpm })
            {
                message.Add(Obx(++set, "NM", MdcCode.HeartRate.Cwe(), $"1.1.1.{++metric}", [Er7.Er7.Number((double)bpm, 1)], observed)
                    .Field(6, PerMinute).Field(11, ResultStatus).Field(14, observed).Field(17, AutoMeasurement));
            }
            else if (o.Kind == ObservationIds.Findings && o.Resource.Value is not null)
            {
                bool any = false;
                foreach (var finding in interpreted.PresentFindings)
                {
                    any = true;
                    message.Add(Obx(++set, "CWE", EkgImpression, $"1.1.1.{++metric}", FindingValue(finding), observed)
                        .Field(11, ResultStatus).Field(14, observed).Field(17, AutoMeasurement));
                }
                if (!any)
                {
                    // The FHIR impression's value for the same window: one choice, in the project code system.
                    string empty = ObservationFactory.ProjectCodes.EmptyImpression(interpreted.Findings);
                    message.Add(Obx(++set, "CWE", EkgImpression, $"1.1.1.{++metric}",
                            [empty, ObservationFactory.ProjectCodes.Display(empty), LocalCodingSystem], observed)
                        .Field(11, ResultStatus).Field(14, observed).Field(17, AutoMeasurement));
                }
            }
        }
        var measurement = interpreted.Analyzed.Measurement;
        if (measurement.AnalysisLead is not null && double.IsFinite(measurement.SignalQuality))
            message.Add(Obx(++set, "NM", SignalQuality, $"1.1.1.{++metric}", [Er7.Er7.Number(measurement.SignalQuality, 3)], observed)
                .Field(6, Unitless).Field(11, ResultStatus).Field(14, observed).Field(17, AutoMeasurement));
        return new Hl7Message(controlId, Hl7Message.Pcd01, message.ToString());
    }

    /// <summary>PCD-04 ORU^R40 of one alert event; <paramref name="window"/> (the window that raised it) gives the heart rate of its source facet.</summary>
    public Hl7Message Alert(AlertEvent alert, PublishedWindow? window = null)
    {
        ArgumentNullException.ThrowIfNull(alert);
        string observed = Er7.Er7.Timestamp(alert.ObservedAt);
        // A heart-rate alarm carries the rate it compared with its limit; other alerts take the window's heart-rate Observation.
        double? rate = alert.Kind == AlertVocabulary.HeartRate ? alert.HeartRateBpm
            : (window?.Observations.FirstOrDefault(o => o.Kind == ObservationIds.HeartRate)?.Resource.Value as Quantity)?.Value is { } q ? (double)q : null;
        string? strip = alert.ObservationIds.FirstOrDefault(id => id.StartsWith(ObservationIds.Strip + "-", StringComparison.Ordinal));
        // Everything the message says, so that the same control id always means the same message: an event re-raised
        // after a restart with another strip or rate is another message.
        string controlId = ControlId("pcd04", [alert.AlertId, alert.Event, observed, alert.Kind, alert.Code, alert.Display, alert.Priority,
                                               alert.PatientId, alert.DeviceId, Er7.Er7.Timestamp(alert.Onset), alert.End is { } e ? Er7.Er7.Timestamp(e) : "",
                                               rate is { } v ? Er7.Er7.Number(v, 1) : "", strip ?? ""]);
        var message = new Er7MessageBuilder(Header(observed, "R40", "ORU_R40", controlId, Pcd04Profile, Pcd04ProfileOid));
        AddPatient(message, alert.PatientId);
        // OBR-2/3: the alert's identity, the same in its onset, updates and end (ACM's alert instance id).
        message.Add(new Er7Segment("OBR").Field(1, "1").Field(2, alert.AlertId, _options.SendingApplication).Field(3, alert.AlertId, _options.SendingApplication)
            .Field(4, MdcCode.Alarm.Cwe()).Field(7, Er7.Er7.Timestamp(alert.Onset)).Field(8, alert.End is { } end ? Er7.Er7.Timestamp(end) : null));
        bool physiological = AlertVocabulary.IsPhysiological(alert.Kind);
        string priority = alert.Priority switch { "high" => "PH", "medium" => "PM", _ => "PL" };
        var facet1 = Obx(1, "CWE", MdcCode.Alarm.Cwe(), "1.1.1.1.1", AlertValue(alert), observed)
            .Repeated(8, physiological ? [["A"], [priority], ["SP"]] : [[priority], ["ST"]])
            .Field(11, ResultStatus).Field(14, Er7.Er7.Timestamp(alert.Onset)).Field(18, alert.DeviceId, NullIfEmpty(_options.DeviceIdAuthority));
        message.Add(facet1);
        // Facet 2, the source: the heart rate the window measured when there is one, else the ECG analysis itself.
        if (rate is { } bpm)
            message.Add(Obx(2, "NM", MdcCode.HeartRate.Cwe(), "1.1.1.1.2", [Er7.Er7.Number(bpm, 1)], observed).Field(6, PerMinute).Field(11, ResultStatus));
        else
            message.Add(Obx(2, "CWE", MdcCode.AlertSource.Cwe(), "1.1.1.1.2", MdcCode.EcgVmd.Cwe(), observed).Field(11, ResultStatus));
        string phase = alert.Event switch { AlertVocabulary.Onset => "start", AlertVocabulary.End => "end", _ => "continue" };
        message.Add(Obx(3, "ST", MdcCode.EventPhase.Cwe(), "1.1.1.1.3", [phase], observed).Field(11, ResultStatus));
        message.Add(Obx(4, "ST", MdcCode.AlarmState.Cwe(), "1.1.1.1.4", [alert.Event == AlertVocabulary.End ? "inactive" : "active"], observed).Field(11, ResultStatus));
        // The service never silences or pauses an alarm: that is the alarm manager's and the clinician's to do.
        message.Add(Obx(5, "ST", MdcCode.AlarmInactivationState.Cwe(), "1.1.1.1.5", ["enabled"], observed).Field(11, ResultStatus));
        // Facet 6, evidence: a reference pointer (RP) to the alarm's ECG strip, a FHIR Observation, when the onset has one.
        if (strip is not null)
            message.Add(Obx(6, "RP", StripCode, "1.1.1.1.6", ["Observation/" + strip, _options.SendingApplication, "AP", "FHIR"], observed).Field(11, ResultStatus));
        return new Hl7Message(controlId, Hl7Message.Pcd04, message.ToString());
    }

    private Er7Segment Header(string time, string trigger, string structure, string controlId, string profile, string profileOid) =>
        new Er7Segment("MSH").Field(3, _options.SendingApplication).Field(4, _options.SendingFacility)
            .Field(5, _options.ReceivingApplication).Field(6, _options.ReceivingFacility).Field(7, time)
            .Field(9, "ORU", trigger, structure).Field(10, controlId).Field(11, _options.ProcessingId).Field(12, Version)
            // Accept acknowledgement always, application acknowledgement never (PCD TF-2); UTF-8 (MSH-18).
            .Field(15, "AL").Field(16, "NE").Field(18, "UNICODE UTF-8").Field(21, profile, "IHE PCD", profileOid, "ISO");

    private void AddPatient(Er7MessageBuilder message, string patientId)
    {
        message.Add(new Er7Segment("PID").Field(3, patientId, null, null, NullIfEmpty(_options.PatientIdAuthority), "PI"));
        message.Add(new Er7Segment("PV1").Field(2, "I"));   // an inpatient: the service monitors ICU and ward beds
    }

    private static Er7Segment Device(int set, MdcCode code, string subId) =>
        new Er7Segment("OBX").Field(1, set.ToString(System.Globalization.CultureInfo.InvariantCulture)).Field(3, code.Cwe()).Field(4, subId).Field(11, "X");

    private static Er7Segment Obx(int set, string type, string?[] id, string subId, string?[] value, string observed) =>
        new Er7Segment("OBX").Field(1, set.ToString(System.Globalization.CultureInfo.InvariantCulture)).Field(2, type).Field(3, id).Field(4, subId).Field(5, value);

    /// <summary>A present finding as CWE: SNOMED CT first, its MDC event code as the alternate where 11073-10101 has one.</summary>
    private static string?[] FindingValue(Finding finding)
    {
        var label = finding.Label;
        var mdc = MdcCode.ForFinding(label.Key);
        return mdc is null
            ? [label.SnomedCt, label.Display, "SCT"]
            : [label.SnomedCt, label.Display, "SCT", mdc.Code.ToString(System.Globalization.CultureInfo.InvariantCulture), mdc.ReferenceId, MdcCode.CodingSystem];
    }

    /// <summary>Facet 1's value: the alert as CWE (SNOMED CT, with its MDC event code where there is one, for model findings and heart-rate alarms; technical alerts in the local system), its text in CWE-9.</summary>
    private static string?[] AlertValue(AlertEvent alert)
    {
        if (!AlertVocabulary.IsPhysiological(alert.Kind) || alert.SnomedCt is null)
            return [alert.Code, alert.Display, LocalCodingSystem, null, null, null, null, null, alert.Display];
        var mdc = AlertVocabulary.MdcEvent(alert.Kind, alert.Code);
        return mdc is null
            ? [alert.SnomedCt, alert.Display, "SCT", null, null, null, null, null, alert.Display]
            : [alert.SnomedCt, alert.Display, "SCT", mdc.Code.ToString(System.Globalization.CultureInfo.InvariantCulture), mdc.ReferenceId, MdcCode.CodingSystem, null, null, alert.Display];
    }

    /// <summary>MSH-10: 20 hex characters of SHA-256 over what the message reports (deterministic, so a resend is identical).</summary>
    private static string ControlId(string kind, IEnumerable<string> parts)
    {
        string text = kind + "\n" + string.Join('\n', parts);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 10));
    }

    private static string? NullIfEmpty(string value) => string.IsNullOrEmpty(value) ? null : value;
}
