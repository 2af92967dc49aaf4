using System.Security.Cryptography;
using System.Text;
using CGDmer.Contracts.Model;
using Hl7.Fhir.Model;

namespace CGDmer.Pipeline.Publishing;

/// <summary>
/// The FHIR Device that stands for the model: the findings Observations name it in <c>Observation.device</c>, so a
/// reader can tell which model (name and version) produced a finding. The host publishes it once at start-up.
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
