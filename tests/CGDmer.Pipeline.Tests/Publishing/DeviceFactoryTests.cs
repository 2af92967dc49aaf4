// FHIR POCO properties are nullable throughout; these tests assert their presence explicitly.
#nullable disable warnings
using CGDmer.Pipeline.Publishing;
using Hl7.Fhir.Model;
using static CGDmer.Pipeline.Tests.Publishing.PublishTestData;

namespace CGDmer.Pipeline.Tests.Publishing;

public class DeviceFactoryTests
{
    [Fact]
    public void Model_device_names_the_model_and_its_version_and_is_valid()
    {
        var d = DeviceFactory.ForModel(Model("0.3.1"));
        Assert.Equal(DeviceFactory.DeriveId("cgdmer-small", "0.3.1"), d.Id);
        Assert.Matches("^model-[0-9a-f]{32}$", d.Id);
        Assert.True(Id.IsValidValue(d.Id));
        var name = Assert.Single(d.DeviceName);
        Assert.Equal(("cgdmer-small", DeviceNameType.ModelName), (name.Name, name.Type));
        Assert.Equal("0.3.1", Assert.Single(d.Version).Value);
        Assert.Equal(Device.FHIRDeviceStatus.Active, d.Status);
        var id = Assert.Single(d.Identifier);
        Assert.Equal(("urn:cgdmer:model", "cgdmer-small@0.3.1"), (id.System, id.Value));
        Assert.Contains("atrial_fibrillation", d.Note.Single().Text);
        Assert.Empty(PocoErrors(d));
    }

    [Fact]
    public void Device_id_is_deterministic_and_changes_with_name_or_version()
    {
        Assert.Equal(FhirNdjson.Serialize(DeviceFactory.ForModel(Model())), FhirNdjson.Serialize(DeviceFactory.ForModel(Model())));
        var ids = new[] { DeviceFactory.DeriveId("a", "1"), DeviceFactory.DeriveId("a", "2"), DeviceFactory.DeriveId("b", "1"),
                          DeviceFactory.DeriveId("a1", ""), DeviceFactory.DeriveId("", "a1") };
        Assert.Equal(ids.Length, ids.Distinct().Count());
        // A line break is the hash's separator: allowing it would let two different models share an id.
        Assert.Throws<ArgumentException>(() => DeviceFactory.DeriveId("a\n1", ""));
        Assert.Throws<ArgumentException>(() => DeviceFactory.DeriveId("a", "1\n"));
    }

    [Fact]
    public void Model_identifier_system_follows_the_project_uri()
    {
        var d = DeviceFactory.ForModel(Model(), new PublishingOptions { ProjectUri = "https://cgdmer.example.org/fhir/" });
        Assert.Equal("https://cgdmer.example.org/fhir/model", d.Identifier.Single().System);
    }

    [Fact]
    public void Model_without_name_or_version_is_refused()
    {
        Assert.Throws<ArgumentException>(() => DeviceFactory.ForModel(Model() with { ModelVersion = " " }));
        Assert.Throws<ArgumentException>(() => DeviceFactory.ForModel(Model() with { ModelName = "" }));
    }

    [Fact]
    public void A_monitor_device_carries_its_device_id_and_the_MDC_monitor_type_under_a_valid_deterministic_id()
    {
        var d = DeviceFactory.ForMonitor("bed-7/monitor 3", new PublishingOptions());
        Assert.Equal(DeviceFactory.MonitorId("bed-7/monitor 3"), d.Id);
        Assert.Matches("^monitor-[0-9a-f]{32}$", d.Id);
        Assert.True(Id.IsValidValue(d.Id));
        Assert.Equal(("urn:cgdmer:device-id", "bed-7/monitor 3"), (d.Identifier.Single().System, d.Identifier.Single().Value));
        var type = d.Type.Coding.Single();
        Assert.Equal(("urn:iso:std:iso:11073:10101", "69965", "MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS"), (type.System, type.Code, type.Display));
        Assert.NotEqual(DeviceFactory.MonitorId("bed-7"), DeviceFactory.MonitorId("bed-8"));
        Assert.Throws<ArgumentException>(() => DeviceFactory.MonitorId(""));
        Assert.Empty(PocoErrors(d));
    }

    [Fact]
    public void Monitor_ids_are_the_hash_of_the_device_id()
    {
        static string Hashed(string deviceId) => "monitor-" + Convert.ToHexStringLower(
            System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(deviceId)).AsSpan(0, 16));
        Assert.Equal(Hashed("bed-9"), DeviceFactory.MonitorId("bed-9"));
        Assert.Equal(Hashed("bed-9"), DeviceFactory.MonitorId("bed-9"));
        // Many monitors: every id stays the hash.
        for (int i = 0; i < 5000; i++) Assert.Equal(Hashed($"monitor-{i}"), DeviceFactory.MonitorId($"monitor-{i}"));
        Assert.Equal(Hashed("bed-9"), DeviceFactory.MonitorId("bed-9"));
    }
}
