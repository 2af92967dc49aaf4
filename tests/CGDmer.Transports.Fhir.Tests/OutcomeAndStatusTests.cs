using System.Net;
using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CGDmer.Transports.Fhir.Tests;

/// <summary>Which statuses are retried, and how a server's OperationOutcome is quoted (redacted, bounded, one line).</summary>
public class OutcomeAndStatusTests
{
    [Property(MaxTest = 500)]
    public bool Retried_statuses_are_408_429_and_5xx_except_501_and_505(PositiveInt raw)
    {
        int code = 100 + raw.Get % 500;
        bool expected = code is 408 or 429 || (code is >= 500 and <= 599 && code is not 501 and not 505);
        return FhirRestSink.IsTransient((HttpStatusCode)code) == expected;
    }

    [Fact]
    public void Issues_are_quoted_with_severity_code_details_and_diagnostics()
    {
        const string json = """
            {"resourceType":"OperationOutcome","issue":[
              {"severity":"error","code":"invalid","details":{"text":"Observation.code: unknown code"},"diagnostics":"at line 1"},
              {"severity":"warning","code":"business-rule","diagnostics":"profile not supported"}]}
            """;
        Assert.Equal("error invalid: Observation.code: unknown code — at line 1; warning business-rule: profile not supported",
                     FhirRestSink.DescribeOutcome(Encoding.UTF8.GetBytes(json), null));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("""{"resourceType":"Observation","id":"x"}""")]
    [InlineData("""{"resourceType":"OperationOutcome"}""")]
    [InlineData("""[1,2]""")]
    public void Anything_but_an_operation_outcome_is_not_quoted(string body) =>
        Assert.Equal("", FhirRestSink.DescribeOutcome(Encoding.UTF8.GetBytes(body), "p"));

    [Property(MaxTest = 300)]
    public Property The_patient_id_never_survives_and_the_text_is_one_bounded_line(NonEmptyString before, NonEmptyString after, PositiveInt seed)
    {
        // Realistic ids (an MRN): long enough that "[patient]" cannot contain them.
        var random = new Random(seed.Get);
        const string alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ0123456789-/ ";
        string patient = "P" + new string(Enumerable.Range(0, 5 + random.Next(20)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
        string diagnostics = before.Get + patient + after.Get + Uri.EscapeDataString(patient) + before.Get;
        string json = $$"""{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"processing","diagnostics":{{JsonSerializer.Serialize(diagnostics)}}}]}""";
        string text = FhirRestSink.DescribeOutcome(Encoding.UTF8.GetBytes(json), patient);
        bool leaks = text.Contains(patient, StringComparison.OrdinalIgnoreCase)
                     || text.Contains(Uri.EscapeDataString(patient), StringComparison.OrdinalIgnoreCase);
        return (!leaks).Label($"leaks: {text}")
            .And(!text.Any(char.IsControl)).Label("control characters")
            .And(text.Length <= 501).Label($"length {text.Length}");
    }
}
