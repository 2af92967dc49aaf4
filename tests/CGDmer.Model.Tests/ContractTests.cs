using CGDmer.Contracts.Model;
using System.Text.Json;
using System.Text.RegularExpressions;
using CGDmer.Model.Export;
using CGDmer.Signal;
using NJsonSchema;

namespace CGDmer.Model.Tests;

/// <summary>The exported metadata, the JSON Schema and the contract document must say the same thing.</summary>
public class ContractTests
{
    private static ModelMetadata Sample() => ExportParityTests.Metadata(CgDmerConfig.Tiny, 3, true) with { ModelVersion = "1.2.3" };

    [Fact]
    public async Task Exported_metadata_validates_against_the_schema()
    {
        var schema = await JsonSchema.FromFileAsync(Path.Combine(TestData.RepoRoot, "schemas", "model-metadata.schema.json"));
        var json = JsonSerializer.Serialize(Sample().ToProperties());
        Assert.Empty(schema.Validate(json));
        var labelSchema = schema.Definitions["label"];
        foreach (var label in JsonDocument.Parse(Sample().ToProperties()["cgdmer.labels"]).RootElement.EnumerateArray())
            Assert.Empty(labelSchema.Validate(label.GetRawText()));
    }

    [Fact]
    public async Task Schema_rejects_a_wrong_unit_and_a_missing_key()
    {
        var schema = await JsonSchema.FromFileAsync(Path.Combine(TestData.RepoRoot, "schemas", "model-metadata.schema.json"));
        var props = Sample().ToProperties().ToDictionary();
        props["cgdmer.units"] = "uV";
        Assert.NotEmpty(schema.Validate(JsonSerializer.Serialize(props)));
        props = Sample().ToProperties().ToDictionary();
        props.Remove("cgdmer.labels");
        Assert.NotEmpty(schema.Validate(JsonSerializer.Serialize(props)));
    }

    [Fact]
    public void Contract_document_lists_exactly_the_keys_the_exporter_writes()
    {
        var doc = File.ReadAllText(Path.Combine(TestData.RepoRoot, "schemas", "model-contract.md"));
        var documented = Regex.Matches(doc, @"^\| `(cgdmer\.[a-z_]+)` \|", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToHashSet();
        Assert.Equal(Sample().ToProperties().Keys.Order(), documented.Order());
        // And every label's SNOMED CT code appears in the document's label table.
        foreach (var l in EcgLabels.All) Assert.Contains($"| `{l.Key}` | {l.SnomedCode} |", doc);
    }
}
