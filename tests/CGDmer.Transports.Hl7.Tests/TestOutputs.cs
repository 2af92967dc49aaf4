using CGDmer.Contracts.Model;
using CGDmer.Pipeline.Interpretation;
using CGDmer.Pipeline.Publishing;
using CGDmer.Signal;
using CGDmer.Signal.Dsp;
using CGDmer.TestSupport;

namespace CGDmer.Transports.Hl7.Tests;

/// <summary>Published windows built by the real publish stage from TestSupport's realistic interpreted windows, some with alert events.</summary>
internal static class TestOutputs
{
    public static readonly ModelMetadata Model = TestModels.AllLabels;

    private static readonly ObservationFactory Factory = new(new PublishingOptions(), Model);

    /// <summary><paramref name="count"/> published windows; every 7th has an AF onset, every 11th a lead-off end (technical).</summary>
    public static IReadOnlyList<PublishedWindow> Windows(int count, int seed = 7) =>
        InterpretedWindows.Realistic(Model, count, seed).Select((w, k) =>
        {
            var alerts = new List<AlertEvent>();
            if (k % 7 == 3) alerts.Add(Alert(w, "clinical", "atrial_fibrillation", "onset", "49436004", "Atrial fibrillation", "medium"));
            if (k % 11 == 5) alerts.Add(Alert(w, "technical", "lead_off", "end", null, "Lead off | V1", "low"));
            var interpreted = w with { Alerts = alerts };
            return new PublishedWindow(interpreted, Factory.Create(interpreted));
        }).ToList();

    public static AlertEvent Alert(InterpretedWindow w, string kind, string code, string phase, string? snomed, string display, string priority)
    {
        var window = w.Analyzed.Window;
        var onset = window.Start.AddSeconds(-20);
        return new AlertEvent
        {
            AlertId = CGDmer.Contracts.AlertIds.Derive(window.PatientId, kind, code, onset, Model.ModelVersion),
            Event = phase, Kind = kind, Code = code, SnomedCt = snomed, Display = display,
            PatientId = window.PatientId, DeviceId = window.DeviceId, Onset = onset,
            End = phase == "end" ? window.End : null, ObservedAt = window.End, Priority = priority,
            ModelName = Model.ModelName, ModelVersion = Model.ModelVersion,
        };
    }
}
