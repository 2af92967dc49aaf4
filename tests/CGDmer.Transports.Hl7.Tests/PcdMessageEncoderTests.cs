using CGDmer.Pipeline;
using CGDmer.Transports.Hl7.Mllp;
using CGDmer.Transports.Hl7.Pcd;

namespace CGDmer.Transports.Hl7.Tests;

public class PcdMessageEncoderTests
{
    private static readonly PcdMessageEncoder Encoder = new(new Hl7Options { SendingFacility = "ICU-3", PatientIdAuthority = "HOSP", DeviceIdAuthority = "WARD" });

    private static string[] Segments(Hl7Message m) => m.Text.Split('\r', StringSplitOptions.RemoveEmptyEntries);
    private static string[] Fields(string segment) => segment.Split('|');

    [Fact]
    public void A_window_becomes_one_PCD_01_with_the_monitor_the_heart_rate_the_findings_and_the_signal_quality()
    {
        var window = TestOutputs.Windows(40).First(w => w.Observations.Count == 2 && w.Alerts.Count == 0);
        var m = Encoder.Observations(window)!;
        var s = Segments(m);
        Assert.Equal(Hl7Message.Pcd01, m.Kind);
        var msh = Fields(s[0]);
        Assert.Equal("^~\\&", msh[1]);
        Assert.Equal("ORU^R01^ORU_R01", msh[8]);
        Assert.Equal(m.ControlId, msh[9]);
        Assert.Equal("2.6", msh[11]);
        Assert.StartsWith("IHE_PCD_001^", msh[20]);
        Assert.Equal($"{window.PatientId}^^^HOSP^PI", Fields(s[1])[3]);
        var obx = s.Where(x => x.StartsWith("OBX", StringComparison.Ordinal)).Select(Fields).ToList();
        Assert.Equal(["1.0.0.0", "1.1.0.0"], obx.Take(2).Select(f => f[4]));
        Assert.Equal($"{window.Window.DeviceId}^WARD", obx[0][18]);
        var hr = obx.Single(f => f[3].StartsWith("147842^MDC_ECG_HEART_RATE^MDC", StringComparison.Ordinal));
        Assert.Equal("NM", hr[2]);
        Assert.Equal("/min^/min^UCUM", hr[6]);
        Assert.Equal(window.Interpreted.Analyzed.Measurement.HeartRateBpm!.Value, double.Parse(hr[5], System.Globalization.CultureInfo.InvariantCulture), 0.051);
        int present = window.Interpreted.PresentFindings.Count();
        Assert.Equal(Math.Max(present, 1), obx.Count(f => f[3] == "8601-7^EKG impression^LN"));
        Assert.Single(obx, f => f[3].StartsWith("signal-quality-index^", StringComparison.Ordinal));
        Assert.Equal(Enumerable.Range(1, obx.Count).Select(i => i.ToString()), obx.Select(f => f[1]));
    }

    [Fact]
    public void Atrial_fibrillation_carries_SNOMED_CT_with_its_MDC_event_code_and_a_finding_without_one_SNOMED_CT_only()
    {
        var windows = TestOutputs.Windows(200);
        var texts = windows.Select(w => Encoder.Observations(w)?.Text ?? "").ToList();
        Assert.Contains(texts, t => t.Contains("|49436004^Atrial fibrillation^SCT^199736^MDC_EVT_ECG_ATR_FIB^MDC|", StringComparison.Ordinal));
        Assert.Contains(texts, t => t.Contains("|25569003^Ventricular tachycardia^SCT|", StringComparison.Ordinal));
    }

    [Fact]
    public void A_window_whose_only_finding_awaits_confirmation_says_so_instead_of_no_finding()
    {
        var window = TestOutputs.Windows(40).First(w => w.Observations.Count == 2 && w.Alerts.Count == 0);
        var findings = window.Interpreted.Findings.Select(f => f with { Present = false }).ToArray();
        int af = findings.ToList().FindIndex(f => f.Label.Key == "atrial_fibrillation");
        var impression = Obx(window with { Interpreted = window.Interpreted with { Findings = findings } });
        // Code and display as the FHIR impression's value has them (one choice, ObservationFactory.ProjectCodes).
        Assert.StartsWith("no-finding-above-threshold^No finding above its decision threshold^", impression[5], StringComparison.Ordinal);
        findings[af] = findings[af] with { Unconfirmed = true };
        impression = Obx(window with { Interpreted = window.Interpreted with { Findings = findings } });
        Assert.StartsWith("finding-awaiting-confirmation^A finding passed its threshold in this window but is not yet confirmed by persistence^",
                          impression[5], StringComparison.Ordinal);

        string[] Obx(CGDmer.Pipeline.Publishing.PublishedWindow w) =>
            Fields(Assert.Single(Segments(Encoder.Observations(w)!), x => x.Contains("|8601-7^EKG impression^LN|", StringComparison.Ordinal)));
    }

    [Fact]
    public void An_alert_event_becomes_a_PCD_04_with_its_five_facets()
    {
        var window = TestOutputs.Windows(40).First(w => w.Alerts.Any(a => a.Kind == "clinical"));
        var alert = window.Alerts.First(a => a.Kind == "clinical");
        var m = Encoder.Alert(alert, window);
        var s = Segments(m).Select(Fields).ToList();
        Assert.Equal("ORU^R40^ORU_R40", s[0][8]);
        Assert.StartsWith("IHE_PCD_ACM_001^", s[0][20]);
        var obr = s[3];
        Assert.Equal($"{alert.AlertId}^CGDMER", obr[2]);
        Assert.Equal("196616^MDC_EVT_ALARM^MDC", obr[4]);
        var obx = s.Skip(4).ToList();
        Assert.Equal(["1.1.1.1.1", "1.1.1.1.2", "1.1.1.1.3", "1.1.1.1.4", "1.1.1.1.5"], obx.Select(f => f[4]));
        Assert.Equal("A~PM~SP", obx[0][8]);
        Assert.Equal(["start", "active", "enabled"], obx.Skip(2).Select(f => f[5]));
    }

    [Fact]
    public void A_technical_alert_end_is_an_inactive_end_phase_coded_locally_with_its_text_escaped()
    {
        var window = TestOutputs.Windows(40).First(w => w.Alerts.Any(a => a.Kind == "technical"));
        var m = Encoder.Alert(window.Alerts.First(a => a.Kind == "technical"), window);
        var obx = Segments(m).Skip(4).Select(Fields).ToList();
        Assert.Equal(@"lead_off^Lead off \F\ V1^99CGDMER^^^^^^Lead off \F\ V1", obx[0][5]);
        Assert.Equal("PL~ST", obx[0][8]);
        Assert.Equal(["end", "inactive"], obx.Skip(2).Take(2).Select(f => f[5]));
    }

    [Fact]
    public void A_heart_rate_alarm_is_physiological_with_its_MDC_limit_event_and_its_own_rate_as_the_source()
    {
        var window = TestOutputs.Windows(40).First(w => w.Observations.Any(o => o.Kind == CGDmer.Contracts.ObservationIds.HeartRate));
        var onset = DateTimeOffset.Parse("2026-11-25T18:00:10Z", System.Globalization.CultureInfo.InvariantCulture);
        var alert = new CGDmer.Pipeline.Interpretation.AlertEvent
        {
            AlertId = CGDmer.Contracts.AlertIds.Derive("patient-1", "heart_rate", "heart_rate_high", onset, null), Event = "onset",
            Kind = "heart_rate", Code = "heart_rate_high", SnomedCt = "3424008", Display = "Heart rate high", PatientId = "patient-1",
            DeviceId = "monitor-1", Onset = onset, ObservedAt = onset.AddSeconds(10), HeartRateBpm = 187.5, Priority = "medium",
        };
        var obx = Segments(Encoder.Alert(alert, window)).Skip(4).Select(Fields).ToList();
        Assert.Equal("3424008^Heart rate high^SCT^196650^MDC_EVT_HI_GT_LIM^MDC^^^Heart rate high", obx[0][5]);
        Assert.Equal("A~PM~SP", obx[0][8]);
        // The rate the alarm compared with its limit, not the window's mean rate.
        Assert.Equal(("147842^MDC_ECG_HEART_RATE^MDC", "187.5"), (obx[1][3], obx[1][5]));
    }

    [Fact]
    public void Encoding_is_deterministic_so_a_message_sent_again_is_identical()
    {
        var a = TestOutputs.Windows(30).SelectMany(Encoder.Encode).ToList();
        var b = TestOutputs.Windows(30).SelectMany(Encoder.Encode).ToList();
        Assert.Equal(a.Select(m => m.Text), b.Select(m => m.Text));
        Assert.Equal(a.Count, a.Select(m => m.ControlId).Distinct().Count());
    }

    [Fact]
    public void Switches_leave_out_observations_or_alerts_and_a_window_without_observations_gives_no_PCD_01()
    {
        var windows = TestOutputs.Windows(30);
        var alertsOnly = new PcdMessageEncoder(new Hl7Options { PublishObservations = false });
        Assert.All(windows.SelectMany(alertsOnly.Encode), m => Assert.Equal(Hl7Message.Pcd04, m.Kind));
        Assert.Null(Encoder.Observations(windows[0] with { Observations = [] }));
    }

    [Theory]
    [InlineData("MSH|^~\\&|RCV|F|CGDMER||20261204||ACK^R01^ACK|A1|P|2.6\rMSA|AA|ID42\r", "AA", "ID42", null)]
    [InlineData("MSH|^~\\&|RCV|F|CGDMER||20261204||ACK^R01^ACK|A1|P|2.6\rMSA|AE|ID42|bad \\F\\ OBX\r", "AE", "ID42", "bad | OBX")]
    [InlineData("MSH|^~\\&|RCV|F|CGDMER||20261204||ACK|A1|P|2.6\nMSA|CR|ID42\nERR||||E||||unknown patient\n", "CR", "ID42", "unknown patient")]
    public void Acknowledgements_are_read_in_both_modes(string text, string code, string acked, string? reason)
    {
        var ack = Hl7Acknowledgement.Parse(text);
        Assert.Equal(code, ack.Code);
        Assert.Equal(acked, ack.AcknowledgedControlId);
        Assert.Equal(reason, ack.Text);
        Assert.Equal(code is "AA" or "CA", ack.Accepted);
    }

    [Theory]
    [InlineData("not hl7")]
    [InlineData("MSH|^~\\&|RCV|F|CGDMER||20261204||ACK|A1|P|2.6\r")]
    [InlineData("MSH|^~\\&|RCV|F|CGDMER||20261204||ACK|A1|P|2.6\rMSA|OK|ID42\r")]
    public void What_is_not_an_acknowledgement_is_refused(string text) =>
        Assert.Throws<FormatException>(() => Hl7Acknowledgement.Parse(text));
}
