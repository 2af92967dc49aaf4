using System.Security.Cryptography;
using System.Text;
using CGDmer.Contracts.Model;
using Hl7.Fhir.Model;

namespace CGDmer.Pipeline.Publishing;

/// <summary>
/// The FHIR Devices the Observations reference: the model (the findings Observations name it in
/// <c>Observation.device</c>, so a reader can tell which model produced a finding; the host publishes it once at
/// start-up) and each bedside monitor (the heart-rate Observations name the monitor whose ECG was measured; a sink that
/// stores resources writes its Device before the monitor's first Observation).
/// </summary>
public static class DeviceFactory
{
    /// <summary>Text of <c>Device.type</c>: the model is software, not hardware.</summary>
    public const string DeviceTypeText = "ECG interpretation software (AI model)";

    /// <summary>
    /// <c>model-</c> + lowercase hex of the first 16 bytes of SHA-256 over the UTF-8 of <c>modelName \n modelVersion</c>:
    /// the same model gives the same Device on every instance of the service (an idempotent PUT), a new version a new one.
    /// </summary>
    public static string DeriveId(string modelName, string modelVersion)
    {
        ArgumentNullException.ThrowIfNull(modelName);
        ArgumentNullException.ThrowIfNull(modelVersion);
        // The separator must not occur in the parts, else ("a\n1", "") and ("a", "1\n") would share an id.
        if (modelName.Contains('\n')) throw new ArgumentException("must not contain a line break", nameof(modelName));
        if (modelVersion.Contains('\n')) throw new ArgumentException("must not contain a line break", nameof(modelVersion));
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(modelName + "\n" + modelVersion));
        return "model-" + Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }

    /// <summary>Text of a bedside monitor's <c>Device.type</c>, beside its MDC code.</summary>
    public const string MonitorTypeText = "Multi-parameter physiological monitor";

    /// <summary>
    /// <c>monitor-</c> + lowercase hex of the first 16 bytes of SHA-256 over the UTF-8 of the monitor's device id (the
    /// segment's <c>device_id</c>): the same monitor gives the same Device everywhere, and the id is a valid FHIR id
    /// whatever characters the device id has.
    /// </summary>
    public static string MonitorId(string deviceId)
    {
        ArgumentException.ThrowIfNullOrEmpty(deviceId);
        // Not cached: the Observation factory keeps each monitor's reference; the others ask once per monitor or alert.
        return "monitor-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(deviceId)).AsSpan(0, 16));
    }

    /// <summary>A reference to a monitor's Device (<see cref="ForMonitor"/>), with its device id as identifier for readers without that resource.</summary>
    public static ResourceReference MonitorReference(string deviceId, PublishingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new ResourceReference("Device/" + MonitorId(deviceId))
        {
            Identifier = new Identifier(options.DeviceIdentifierSystem, deviceId),
        };
    }

    /// <summary>
    /// The Device of one bedside monitor: its device id as identifier (in <see cref="PublishingOptions.DeviceIdentifierSystem"/>)
    /// and, as type, IEEE 11073-10101 <c>MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS</c>, the medical device system of PCD-01.
    /// </summary>
    public static Device ForMonitor(string deviceId, PublishingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var mds = CGDmer.Contracts.MdcCode.MultiParameterMonitorMds;
        return new Device
        {
            Id = MonitorId(deviceId),
            Identifier = [new Identifier(options.DeviceIdentifierSystem, deviceId)],
            Status = Device.FHIRDeviceStatus.Active,
            Type = new CodeableConcept(CGDmer.Contracts.MdcCode.FhirSystem, mds.Code.ToString(System.Globalization.CultureInfo.InvariantCulture), mds.ReferenceId, MonitorTypeText),
        };
    }

    /// <summary>The Device of <paramref name="model"/> with default <see cref="PublishingOptions"/>.</summary>
    public static Device ForModel(ModelMetadata model) => ForModel(model, new PublishingOptions());

    /// <summary>The Device of <paramref name="model"/>; its identifier is <c>{name}@{version}</c> in the options' model system.</summary>
    public static Device ForModel(ModelMetadata model, PublishingOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(model.ModelName)) throw new ArgumentException("the model has no name", nameof(model));
        if (string.IsNullOrWhiteSpace(model.ModelVersion)) throw new ArgumentException("the model has no version", nameof(model));
        return new Device
        {
            Id = DeriveId(model.ModelName, model.ModelVersion),
            Identifier = [new Identifier(options.ModelIdentifierSystem, model.ModelName + "@" + model.ModelVersion)],
            Status = Device.FHIRDeviceStatus.Active,
            DeviceName =
            [
                new Device.DeviceNameComponent { Name = model.ModelName, Type = DeviceNameType.ModelName },
            ],
            Type = new CodeableConcept { Text = DeviceTypeText },
            Version = [new Device.VersionComponent { Value = model.ModelVersion }],
            // The labels and preprocessing are part of what the model is; a reader needs them to judge a finding.
            Note =
            [
                new Annotation
                {
                    Text = $"Labels: {string.Join(", ", model.Labels.Select(l => l.Key))}. " +
                                        $"Input: {model.WindowSamples} samples at {model.SampleRateHz} Hz, preprocessing {model.Preprocessing}.",
                },
            ],
        };
    }
}
