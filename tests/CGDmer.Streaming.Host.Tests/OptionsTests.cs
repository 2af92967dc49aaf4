using Microsoft.Extensions.DependencyInjection;
using CGDmer.Transports.Replay;

namespace CGDmer.Streaming.Host.Tests;

public class OptionsTests
{
    [Fact]
    public void Defaults_are_valid()
    {
        using var host = HostFixture.Build();
        Assert.Empty(ServiceComposition.ValidateAll(host.Services));
    }

    [Theory]
    [InlineData("Batching:MaxBatchSize", "0", "Batching:MaxBatchSize")]
    [InlineData("Sequence:ConfirmSegments", "0", "Sequence:ConfirmSegments")]
    [InlineData("Sequence:MaxClockLeadSeconds", "-1", "Sequence:MaxClockLeadSeconds")]
    [InlineData("Windowing:HopSeconds", "-1", "Windowing:HopSeconds")]
    [InlineData("Windowing:HopSeconds", "3", "Windowing:HopSeconds")]
    [InlineData("Interpretation:OnsetWindows", "0", "Interpretation:OnsetWindows")]
    [InlineData("OnnxRuntime:IntraOpThreads", "-1", "OnnxRuntime:IntraOpThreads")]
    [InlineData("Pipeline:PublishThread", "Sometimes", "Pipeline:PublishThread")]
    [InlineData("Pipeline:PublishThread", "7", "Pipeline:PublishThread")]
    [InlineData("Pipeline:SignalLaneNice", "-1", "Pipeline:SignalLaneNice")]
    [InlineData("Pipeline:SignalLaneNice", "20", "Pipeline:SignalLaneNice")]
    [InlineData("Metrics:Port", "70000", "Metrics:Port")]
    [InlineData("Model:Path", "/nonexistent/model.onnx", "Model:Path")]
    [InlineData("Publishing:HeartRateIntervalSeconds", "-1", "Publishing:HeartRateIntervalSeconds")]
    [InlineData("Publishing:HeartRateIntervalSeconds", "7", "Publishing:HeartRateIntervalSeconds")]   // not a multiple of the 5 s hop
    public void An_invalid_setting_is_reported_with_its_section_and_name(string key, string value, string named)
    {
        using var host = HostFixture.Build((key, value));
        var failures = ServiceComposition.ValidateAll(host.Services);
        Assert.Contains(failures, f => f.Contains(named, StringComparison.Ordinal));
    }

    [Fact]
    public void A_misspelt_setting_is_an_error_that_names_it()
    {
        using var host = HostFixture.Build(("Batching:MaxBatchSise", "8"));
        var failures = ServiceComposition.ValidateAll(host.Services);
        Assert.Contains(failures, f => f.Contains("MaxBatchSise", StringComparison.Ordinal));
    }

    [Fact]
    public void Batches_larger_than_the_model_buffers_are_refused_at_start()
    {
        using var host = HostFixture.Build(("Batching:MaxBatchSize", "64"), ("OnnxRuntime:MaxBatchSize", "16"));
        var failures = ServiceComposition.ValidateAll(host.Services);
        Assert.Contains(failures, f => f.Contains("Batching:MaxBatchSize", StringComparison.Ordinal) && f.Contains("OnnxRuntime:MaxBatchSize", StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_record_is_an_error_naming_it()
    {
        var request = new ReplayRequest(["/nonexistent/rec-9"], 0, 0, 1, 1, ReplayPace.AsFastAsPossible, 1, 1, Path.GetTempPath());
        var ex = Assert.Throws<InvalidDataException>(() => ReplayJob.BuildPatients(request, out _));
        Assert.Contains("rec-9", ex.Message);
    }
}


public class ShutdownTimeoutTests
{
    [Fact]
    public void The_host_waits_for_the_whole_Kafka_flush_before_it_exits()
    {
        var builder = ServiceComposition.CreateBuilder(null, [new("Kafka:BootstrapServers", "b:9092"), new("Kafka:FlushTimeout", "00:00:50")]);
        ServiceComposition.AddKafkaTransport(builder);
        using var host = builder.Build();
        var timeout = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.Extensions.Hosting.HostOptions>>().Value.ShutdownTimeout;
        Assert.Equal(TimeSpan.FromSeconds(50) + ServiceComposition.ShutdownMargin, timeout);
    }
}
