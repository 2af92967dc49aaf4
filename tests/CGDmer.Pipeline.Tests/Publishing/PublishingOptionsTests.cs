// FHIR POCO properties are nullable throughout; these tests assert their presence explicitly.
#nullable disable warnings
using CGDmer.Pipeline.Publishing;

namespace CGDmer.Pipeline.Tests.Publishing;

public class PublishingOptionsTests
{
    [Fact]
    public void Defaults_are_valid()
    {
        var o = new PublishingOptions().Validate();
        Assert.Equal(PatientReferenceMode.Identifier, o.PatientReference);
        Assert.True(o.PublishSuppressedFindings);
        Assert.Equal("urn:cgdmer:codesystem", o.ProjectCodeSystem);
        Assert.Equal("urn:cgdmer:model", o.ModelIdentifierSystem);
    }

    [Fact]
    public void Project_code_system_of_an_url()
    {
        var o = new PublishingOptions { ProjectUri = "https://cgdmer.example.org/fhir" }.Validate();
        Assert.Equal("https://cgdmer.example.org/fhir/CodeSystem/cgdmer", o.ProjectCodeSystem);
    }

    public static TheoryData<Action<PublishingOptions>, string> Bad => new()
    {
        { o => o.PatientIdentifierSystem = "", nameof(PublishingOptions.PatientIdentifierSystem) },
        { o => o.PatientIdentifierSystem = "mrn", nameof(PublishingOptions.PatientIdentifierSystem) },
        { o => o.PatientIdentifierSystem = "https://x.org/a b", nameof(PublishingOptions.PatientIdentifierSystem) },
        { o => o.DeviceIdentifierSystem = null!, nameof(PublishingOptions.DeviceIdentifierSystem) },
        { o => o.DeviceIdentifierSystem = "ftp://x.org/d", nameof(PublishingOptions.DeviceIdentifierSystem) },
        { o => o.ProjectUri = "/relative", nameof(PublishingOptions.ProjectUri) },
        { o => o.ProjectUri = "https://x.org/fhir?x=1", nameof(PublishingOptions.ProjectUri) },
        { o => o.PatientReference = (PatientReferenceMode)7, nameof(PublishingOptions.PatientReference) },
        { o => o.HeartRateIntervalSeconds = -5, nameof(PublishingOptions.HeartRateIntervalSeconds) },
        { o => o.HeartRateIntervalSeconds = 0.0005, nameof(PublishingOptions.HeartRateIntervalSeconds) },
        { o => o.HeartRateIntervalSeconds = double.NaN, nameof(PublishingOptions.HeartRateIntervalSeconds) },
    };

    [Fact]
    public void The_heart_rate_cadence_must_be_a_multiple_of_the_hop()
    {
        new PublishingOptions { HeartRateIntervalSeconds = 60 }.Validate(new CGDmer.Pipeline.Windowing.WindowingOptions { HopSeconds = 5 });
        var e = Assert.Throws<ArgumentException>(() => new PublishingOptions { HeartRateIntervalSeconds = 7 }.Validate(new CGDmer.Pipeline.Windowing.WindowingOptions { HopSeconds = 5 }));
        Assert.Equal(nameof(PublishingOptions.HeartRateIntervalSeconds), e.ParamName);
    }

    [Fact]
    public void With_a_cadence_only_windows_on_its_grid_get_a_heart_rate_Observation_and_every_window_its_impression()
    {
        var model = PublishTestData.Model();
        var factory = PublishTestData.Factory(model, new PublishingOptions { HeartRateIntervalSeconds = 30 });
        var minute = new DateTimeOffset(2026, 12, 4, 21, 0, 0, TimeSpan.Zero);
        var kinds = Enumerable.Range(0, 12).Select(k => minute.AddSeconds(5 * k))
            .Select(start => factory.Create(PublishTestData.Interpreted(model, PublishTestData.Window(model, start: start))).Select(o => o.Kind).ToList())
            .ToList();
        Assert.All(kinds, k => Assert.Contains(CGDmer.Contracts.ObservationIds.Findings, k));
        Assert.Equal([0, 6], kinds.Select((k, i) => (k, i)).Where(p => p.k.Contains(CGDmer.Contracts.ObservationIds.HeartRate)).Select(p => p.i));
        // The default: every window.
        var every = PublishTestData.Factory(model);
        Assert.Contains(every.Create(PublishTestData.Interpreted(model, PublishTestData.Window(model, start: minute.AddSeconds(5)))), o => o.Kind == CGDmer.Contracts.ObservationIds.HeartRate);
    }

    [Theory]
    [MemberData(nameof(Bad))]
    public void Invalid_options_name_the_option(Action<PublishingOptions> change, string name)
    {
        var o = new PublishingOptions();
        change(o);
        var ex = Assert.Throws<ArgumentException>(() => o.Validate());
        Assert.Equal(name, ex.ParamName);
    }

    [Fact]
    public void The_factory_refuses_invalid_options()
    {
        Assert.Throws<ArgumentException>(() => new ObservationFactory(new PublishingOptions { ProjectUri = "" }, PublishTestData.Model()));
    }
}
