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
    };

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
