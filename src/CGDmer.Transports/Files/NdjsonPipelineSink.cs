using CGDmer.Contracts.Model;
using CGDmer.Pipeline;
using CGDmer.Pipeline.Interpretation;
using CGDmer.Pipeline.Publishing;

namespace CGDmer.Transports.Files;

/// <summary>
/// The embedded default's output: <c>observations.ndjson</c> (FHIR R4 Observations, one per line), <c>alerts.ndjson</c>
/// (alert events per schemas/alert-event.schema.json), <c>dead-letter.ndjson</c> (rejected segments with their reason)
/// <c>devices.ndjson</c> (the FHIR Devices the Observations reference: the model's first, then each bedside monitor's
/// before its first output) and <c>alert-requests.ndjson</c> (each alert event as its FHIR CommunicationRequest, IHE mACM).
/// </summary>
public sealed class NdjsonPipelineSink : IPipelineSink
{
    public const string ObservationsFile = "observations.ndjson";
    public const string AlertsFile = "alerts.ndjson";
    public const string DeadLetterFile = "dead-letter.ndjson";
    public const string DevicesFile = "devices.ndjson";
    public const string AlertResourcesFile = "alert-requests.ndjson";

    private readonly NdjsonFileWriter _observations, _alerts, _deadLetters, _devices, _alertResources;
    private readonly PublishingOptions _publishing;
    private readonly HashSet<string> _monitors = new(StringComparer.Ordinal);

    public NdjsonPipelineSink(string directory, ModelMetadata model, PublishingOptions publishing)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = System.IO.Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(Directory);
        _publishing = publishing;
        _devices = new NdjsonFileWriter(System.IO.Path.Combine(Directory, DevicesFile));
        _devices.Write(FhirNdjson.Serialize(DeviceFactory.ForModel(model, publishing)));
        _observations = new NdjsonFileWriter(System.IO.Path.Combine(Directory, ObservationsFile));
        _alerts = new NdjsonFileWriter(System.IO.Path.Combine(Directory, AlertsFile));
        _deadLetters = new NdjsonFileWriter(System.IO.Path.Combine(Directory, DeadLetterFile));
        _alertResources = new NdjsonFileWriter(System.IO.Path.Combine(Directory, AlertResourcesFile));
    }

    public string Directory { get; }
    public long ObservationCount => _observations.Lines;
    public long AlertCount => _alerts.Lines;
    public long DeadLetterCount => _deadLetters.Lines;
    public long DeviceCount => _devices.Lines;

    public void Write(PipelineOutput output, DateTimeOffset receivedAt)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (output.Rejected is { } rejected) _deadLetters.Write(DeadLetterJson.Write(rejected, receivedAt));
        if (output.Published is not { } published) return;
        if ((published.Observations.Count > 0 || published.AlertResources.Count > 0) && _monitors.Add(published.Window.DeviceId))
            _devices.Write(FhirNdjson.Serialize(DeviceFactory.ForMonitor(published.Window.DeviceId, _publishing)));
        foreach (var observation in published.Observations) _observations.Write(FhirNdjson.Serialize(observation.Resource));
        foreach (var alert in published.Alerts) _alerts.Write(AlertEventJson.Serialize(alert));
        foreach (var resource in published.AlertResources) _alertResources.Write(FhirNdjson.Serialize(resource));
    }

    public void Flush()
    {
        _observations.Flush();
        _alerts.Flush();
        _deadLetters.Flush();
        _devices.Flush();
        _alertResources.Flush();
    }

    public void Dispose()
    {
        _observations.Dispose();
        _alerts.Dispose();
        _deadLetters.Dispose();
        _devices.Dispose();
        _alertResources.Dispose();
    }
}
