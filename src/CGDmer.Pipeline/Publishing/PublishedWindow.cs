using CGDmer.Pipeline.Interpretation;
using CGDmer.Pipeline.Windowing;

namespace CGDmer.Pipeline.Publishing;

/// <summary>
/// A window after the publish stage: its FHIR Observations and its alert events, ready for the host to hand to the
/// transport (the pipeline knows no Kafka). Output of the pipeline.
/// </summary>
/// <param name="Interpreted">The window as the interpret stage left it.</param>
/// <param name="Observations">Heart rate and/or EKG impression, in that order; empty for NoSignal windows, windows without
/// results, or when building them failed.</param>
/// <param name="Failure">Why the Observations could not be built (exception type only: messages may echo patient data),
/// else null. The alerts are published regardless.</param>
public sealed record PublishedWindow(InterpretedWindow Interpreted, IReadOnlyList<PublishedObservation> Observations, string? Failure = null)
{
    public EcgWindow Window => Interpreted.Analyzed.Window;
    /// <summary>The partition key a transport should use: all of one patient's output stays in order.</summary>
    public string PatientId => Window.PatientId;
    /// <summary>The window's alert events (onset, update, end), as the interpret stage produced them.</summary>
    public IReadOnlyList<AlertEvent> Alerts => Interpreted.Alerts;
    /// <summary>Each alert event as its FHIR resource (<see cref="AlertResourceFactory"/>), in the order of <see cref="Alerts"/>; empty when none or when building them failed.</summary>
    public IReadOnlyList<Hl7.Fhir.Model.CommunicationRequest> AlertResources { get; init; } = [];
    public bool Failed => Failure is not null;
}
