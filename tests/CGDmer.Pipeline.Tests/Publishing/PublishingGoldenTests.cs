using System.Security.Cryptography;
using System.Text;
using CGDmer.Pipeline.Publishing;

namespace CGDmer.Pipeline.Tests.Publishing;

/// <summary>
/// The publish stage's output to the byte: <see cref="ObservationFactory.Create"/> + <see cref="FhirNdjson.Serialize"/>
/// over the benchmark's realistic windows (every outcome: findings, none above threshold, suppressed, a lead off) under
/// two option sets. The golden file (kind, id, SHA-256 of the JSON line) was written before the stage was optimised.
/// </summary>
public class PublishingGoldenTests
{
    [Fact]
    public void Observations_serialize_exactly_as_before()
    {
        var model = PublishTestData.Model(labels: PublishTestData.RecordedLabels);
        var lines = new List<string>();
        var details = new List<string>();
        var optionSets = new[]
        {
            new PublishingOptions(),
            new PublishingOptions { PatientReference = PatientReferenceMode.Literal, ProjectUri = "https://example.org/cgdmer", PublishSuppressedFindings = false },
        };
        foreach (var options in optionSets)
        {
            var factory = new ObservationFactory(options, model);
            foreach (var window in InterpretedWindows.Realistic(model, 300, seed: 3))
                foreach (var p in factory.Create(window))
                {
                    var json = FhirNdjson.Serialize(p.Resource);
                    lines.Add($"{p.Kind} {p.Id} {Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)))}");
                    details.Add(json);
                }
        }
        GoldenFiles.AssertMatches(Path.Combine("Publishing", "Golden", "observations-sha256.txt"), lines, details);
    }
}
