namespace CGDmer.Transports.Fhir;

/// <summary>
/// What the sink last saw of the FHIR server (<see cref="FhirRestSink.Health"/>).
/// </summary>
/// <param name="IsAnswering">False while the attempts fail transiently (5xx, 408, 429, timeout, network error).</param>
/// <param name="FailingFor">Since the first attempt of the current run of failures; zero while answering.</param>
/// <param name="LastProblem">The status of the last failed attempt ("503", "timeout", "network"); null while answering.</param>
public readonly record struct FhirServerHealth(bool IsAnswering, TimeSpan FailingFor, string? LastProblem)
{
    public static FhirServerHealth Answering => new(true, TimeSpan.Zero, null);
}
