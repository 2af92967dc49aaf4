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

    /// <summary>
    /// Cadence of the heart-rate Observations, in seconds: one for each analysed window whose start lies on this grid
    /// (aligned to the Unix epoch, like the windows, so the choice does not depend on when a stream began or was read
    /// again). 0 (default): one per analysed window, every <c>Windowing:HopSeconds</c>. A flowsheet that charts the rate
    /// once a minute takes 60. Must be a multiple of the hop; the EKG impression and the alerts keep the window's cadence.
    /// </summary>
    public double HeartRateIntervalSeconds { get; set; }

    /// <summary>Whether a window starting at <paramref name="windowStart"/> gets a heart-rate Observation.</summary>
    public bool IsHeartRateWindow(DateTimeOffset windowStart)
    {
        long ms = (long)Math.Round(HeartRateIntervalSeconds * 1000);
        return ms <= 0 || windowStart.ToUnixTimeMilliseconds() % ms == 0;
    }

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
        if (!double.IsFinite(HeartRateIntervalSeconds) || HeartRateIntervalSeconds < 0 || HeartRateIntervalSeconds > 3600
            || Math.Abs(HeartRateIntervalSeconds * 1000 - Math.Round(HeartRateIntervalSeconds * 1000)) > 1e-6)
            throw new ArgumentException($"must be 0 (every window) or a whole number of milliseconds up to 3600 s, was {HeartRateIntervalSeconds}", nameof(HeartRateIntervalSeconds));
        return this;
    }

    /// <summary>Throws <see cref="ArgumentException"/> when <see cref="HeartRateIntervalSeconds"/> is not a multiple of the window hop.</summary>
    public void Validate(CGDmer.Pipeline.Windowing.WindowingOptions windowing)
    {
        ArgumentNullException.ThrowIfNull(windowing);
        long interval = (long)Math.Round(HeartRateIntervalSeconds * 1000), hop = (long)Math.Round(windowing.HopSeconds * 1000);
        if (interval > 0 && hop > 0 && interval % hop != 0)
            throw new ArgumentException($"must be a multiple of Windowing:HopSeconds ({windowing.HopSeconds} s), was {HeartRateIntervalSeconds}", nameof(HeartRateIntervalSeconds));
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
