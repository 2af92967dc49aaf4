// FHIR POCO properties are nullable throughout; these tests assert their presence explicitly.
#nullable disable warnings
using System.Diagnostics;
using CGDmer.Pipeline.Publishing;
using Firely.Fhir.Validation;
using Hl7.Fhir.Model;
using Hl7.Fhir.Specification.Source;
using Hl7.Fhir.Specification.Terminology;
using Xunit.Abstractions;
using static CGDmer.Pipeline.Tests.Publishing.PublishTestData;

namespace CGDmer.Pipeline.Tests.Publishing;

/// <summary>
/// Firely's profile validator against the R4 specification shipped in Hl7.Fhir.Specification.Data.R4 (offline:
/// specification.zip in the test output). Checks what POCO validation cannot: the base StructureDefinitions with all
/// their FHIRPath invariants, the vital-signs heart-rate profile, and required bindings of the core value sets.
/// </summary>
public sealed class ProfileValidationTests(ITestOutputHelper output)
{
    private static readonly Lazy<Validator> Shared = new(() =>
    {
        var source = new CachedResolver(ZipSource.CreateValidationSource());
        var terminology = new LocalTerminologyService(source);
        return new Validator(source, terminology);
    });

    private void AssertConforms(Resource resource, string profile)
    {
        var sw = Stopwatch.StartNew();
        var outcome = Shared.Value.Validate(resource, profile);
        output.WriteLine($"{resource.TypeName} {resource.Id} against {profile}: {sw.ElapsedMilliseconds} ms, {outcome.Issue.Count} issues");
        foreach (var i in outcome.Issue) output.WriteLine($"  {i.Severity} {i.Code}: {i.Details?.Text} @ {string.Join(",", i.Expression)}");
        var errors = outcome.Issue.Where(i => i.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal).ToArray();
        Assert.True(errors.Length == 0, string.Join("\n", errors.Select(i => $"{i.Details?.Text} @ {string.Join(",", i.Expression)}")));
    }

    [Fact]
    public void Heart_rate_conforms_to_Observation_and_the_vital_signs_heart_rate_profile()
    {
        var model = Model();
        var hr = Factory(model).Create(Interpreted(model))[0].Resource;
        AssertConforms(hr, "http://hl7.org/fhir/StructureDefinition/Observation");
        AssertConforms(hr, "http://hl7.org/fhir/StructureDefinition/heartrate");
    }

    [Fact]
    public void Findings_conform_to_Observation()
    {
        var model = Model();
        var f = Factory(model);
        AssertConforms(f.Create(Interpreted(model))[1].Resource, "http://hl7.org/fhir/StructureDefinition/Observation");
        AssertConforms(f.Create(Interpreted(model, present: []))[1].Resource, "http://hl7.org/fhir/StructureDefinition/Observation");
        AssertConforms(f.Create(Interpreted(model, suppressed: "poor_signal"))[0].Resource, "http://hl7.org/fhir/StructureDefinition/Observation");
    }

    [Fact]
    public void Random_windows_conform_to_their_profiles()
    {
        // The profile validator is too slow for hundreds of FsCheck cases; a fixed sample of the same generator.
        int checkedCount = 0;
        for (int seed = 0; seed < 40; seed++)
        {
            var (w, options, model) = PublishPropertyTests.Random(seed);
            if (PublishPropertyTests.HasControlCharacter(w)) continue;
            foreach (var o in new ObservationFactory(options, model).Create(w))
            {
                AssertConforms(o.Resource, o.Kind == "hr" ? ObservationFactory.HeartRateProfile : "http://hl7.org/fhir/StructureDefinition/Observation");
                checkedCount++;
            }
        }
        Assert.True(checkedCount > 30, $"only {checkedCount} Observations checked");
    }

    [Fact]
    public void Model_device_conforms_to_Device()
    {
        AssertConforms(DeviceFactory.ForModel(Model()), "http://hl7.org/fhir/StructureDefinition/Device");
    }

    [Fact]
    public void Alert_resources_conform_to_CommunicationRequest()
    {
        var alerts = Factory(Model()).Alerts;
        AssertConforms(alerts.Create(AlertResourceFactoryTests.Event("onset")), "http://hl7.org/fhir/StructureDefinition/CommunicationRequest");
        AssertConforms(alerts.Create(AlertResourceFactoryTests.Event("end", "technical", "lead_off", "low")), "http://hl7.org/fhir/StructureDefinition/CommunicationRequest");
    }

    [Fact]
    public void An_alarm_strip_conforms_to_Observation()
    {
        var model = Model();
        var window = Window(model, missing: [.. CGDmer.Signal.Leads.StandardOrder.Where(l => l != CGDmer.Signal.Lead.II)]);
        for (int i = 0; i < window.Signal.Length; i++) window.Signal[i] = MathF.Sin(i / 10f);
        using var strips = new AlarmStrips(Factory(model));
        AssertConforms(strips.Next(window, CGDmer.Pipeline.Windowing.SignalStrip.CopyOf(window), onset: true), "http://hl7.org/fhir/StructureDefinition/Observation");
    }

    [Fact]
    public void Monitor_device_conforms_to_Device()
    {
        AssertConforms(DeviceFactory.ForMonitor("bed-7/monitor 3", new PublishingOptions()), "http://hl7.org/fhir/StructureDefinition/Device");
    }

    [Fact]
    public void The_validator_does_reject_a_broken_heart_rate()
    {
        // Guards the check itself: a heart rate in the wrong unit breaks the profile's fixed UCUM code.
        var model = Model();
        var hr = Factory(model).Create(Interpreted(model))[0].Resource;
        ((Quantity)hr.Value).Code = "Hz";
        var outcome = Shared.Value.Validate(hr, "http://hl7.org/fhir/StructureDefinition/heartrate");
        Assert.Contains(outcome.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Error);
    }
}
