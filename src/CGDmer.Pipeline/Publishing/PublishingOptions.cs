namespace CGDmer.Pipeline.Publishing;

/// <summary>How patients are referenced from <c>Observation.subject</c>.</summary>
public enum PatientReferenceMode
{
    /// <summary>
    /// A logical reference: <c>{"identifier": {"system": PatientIdentifierSystem, "value": patientId}}</c>. The default,
    /// because the monitor's patient id is a business identifier (e.g. an MRN), not the id of a Patient resource on
    /// whichever FHIR server ends up receiving the Observations.
    /// </summary>
    Identifier,
    /// <summary>
    /// A literal <c>Patient/{patientId}</c> reference plus the identifier, for deployments where the monitor's patient id
    /// is the FHIR server's Patient id. A patient id that is not a valid FHIR id falls back to the identifier alone.
    /// </summary>
    Literal,
}

/// <summary>
/// Settings of the publish stage: the URIs that name this deployment's identifier systems and the project's own code
/// system. Bound by the host through the Options pattern; <see cref="Validate"/> names the first bad option.
/// </summary>
public sealed class PublishingOptions
{
    /// <summary>System of the patient identifiers the monitors send (e.g. the hospital's MRN system).</summary>
    public string PatientIdentifierSystem { get; set; } = "urn:cgdmer:patient-id";

    /// <summary>System of the acquisition-device ids the monitors send (<c>EcgSegment.device_id</c>).</summary>
    public string DeviceIdentifierSystem { get; set; } = "urn:cgdmer:device-id";

    /// <summary>
    /// Base URI of the project's own FHIR artefacts. The code system of the project's codes (signal quality, RR
    /// irregularity, "no finding above threshold", ...) is <c>{ProjectUri}/CodeSystem/cgdmer</c> and the model
    /// identifiers are <c>{ProjectUri}/model</c>. A deployment may keep the default: it only has to be stable.
    /// </summary>
    public string ProjectUri { get; set; } = "urn:cgdmer";

    public PatientReferenceMode PatientReference { get; set; } = PatientReferenceMode.Identifier;

    /// <summary>
    /// When the model ran but the interpret stage withheld its findings (poor signal): publish an EKG-impression
    /// Observation without a value and with <c>dataAbsentReason = error</c>, so the chart shows that the window was
    /// looked at and why there is no interpretation. Off: such windows yield no findings Observation at all (the
    /// technical poor_signal alert still reports the condition).
    /// </summary>
    public bool PublishSuppressedFindings { get; set; } = true;

    /// <summary>The project code system (<c>{ProjectUri}/CodeSystem/cgdmer</c>, or <c>{ProjectUri}:codesystem</c> for a URN).</summary>
    public string ProjectCodeSystem => Join(ProjectUri, "CodeSystem/cgdmer", "codesystem");

    /// <summary>The identifier system of model Devices.</summary>
    public string ModelIdentifierSystem => Join(ProjectUri, "model", "model");
    /// <summary>The identifier system of alert ids (the alert resources' business identifier).</summary>
    public string AlertIdentifierSystem => Join(ProjectUri, "alert-id", "alert-id");

    private static string Join(string baseUri, string path, string urnSuffix) =>
        baseUri.StartsWith("urn:", StringComparison.OrdinalIgnoreCase)
            ? baseUri.TrimEnd(':') + ":" + urnSuffix
            : baseUri.TrimEnd('/') + "/" + path;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public PublishingOptions Validate()
    {
        CheckUri(PatientIdentifierSystem, nameof(PatientIdentifierSystem));
        CheckUri(DeviceIdentifierSystem, nameof(DeviceIdentifierSystem));
        CheckUri(ProjectUri, nameof(ProjectUri));
        if (ProjectUri.Contains('?') || ProjectUri.Contains('#'))
            throw new ArgumentException("must not carry a query or fragment: code system URIs are built under it", nameof(ProjectUri));
        if (!Enum.IsDefined(PatientReference))
            throw new ArgumentException($"unknown mode {(int)PatientReference}", nameof(PatientReference));
        return this;
    }

    // FHIR identifier and code systems are absolute URIs (http(s) URLs or URNs) without spaces.
    private static void CheckUri(string? value, string name)
    {
        if (string.IsNullOrWhiteSpace(value))
            throw new ArgumentException("must be an absolute URI, was empty", name);
        if (value.Any(char.IsWhiteSpace) || !Uri.TryCreate(value, UriKind.Absolute, out var uri)
            || (uri.Scheme != "http" && uri.Scheme != "https" && uri.Scheme != "urn"))
            throw new ArgumentException($"must be an absolute http(s) URL or a URN, was '{value}'", name);
    }
}
