using CGDmer.Transports.Replay;

namespace CGDmer.Streaming.Host.Tests;

/// <summary>
/// Every bad record file or option is refused with an error naming it (the CLI prints it as one line, exit 2):
/// absurd header rates, empty or garbled annotation files, unknown sections, counts that overflow.
/// </summary>
public class BadInputTests
{
    /// <summary>A copy of record 201 in a fresh folder, with its header's rate replaced and an .atr of the given bytes (none: no .atr).</summary>
    private static string Record201(string dir, string? rate = null, byte[]? atr = null)
    {
        Directory.CreateDirectory(dir);
        var header = File.ReadAllText(HostFixture.Asset("mitbih", "201.hea"));
        if (rate is not null) header = header.Replace("201 2 360 650000", $"201 2 {rate} 650000");
        File.WriteAllText(Path.Combine(dir, "201.hea"), header);
        File.Copy(HostFixture.Asset("mitbih", "201.dat"), Path.Combine(dir, "201.dat"));
        if (atr is not null) File.WriteAllBytes(Path.Combine(dir, "201.atr"), atr);
        return Path.Combine(dir, "201");
    }

    private static string TempDir() => Path.Combine(Path.GetTempPath(), "cgdmer-bad-input-tests", Guid.NewGuid().ToString("N")[..8]);

    private static ReplayRequest Request(string record, string dir) =>
        new([record], 0, 0, 1, 1, ReplayPace.AsFastAsPossible, 1, 1, dir);

    [Theory]
    [InlineData("10")]
    [InlineData("1e300")]
    [InlineData("1e-300")]
    [InlineData("2000.5")]
    public void A_record_whose_rate_is_outside_the_contract_is_refused_naming_it_and_the_rate(string rate)
    {
        var dir = TempDir();
        try
        {
            var record = Record201(dir, rate);
            var e = Assert.Throws<InvalidDataException>(() => ReplayJob.BuildPatients(Request(record, dir), out _));
            Assert.Contains(record, e.Message);
            Assert.Contains("sample rate", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void A_record_without_samples_is_refused_rather_than_replayed_as_nothing()
    {
        var dir = TempDir();
        try
        {
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "201.hea"), "201 2 360 0\n201.dat 212 200 11 1024 0 0 0 MLII\n201.dat 212 200 11 1024 0 0 0 V1\n");
            File.WriteAllBytes(Path.Combine(dir, "201.dat"), []);
            var record = Path.Combine(dir, "201");
            var e = Assert.Throws<InvalidDataException>(() => ReplayJob.BuildPatients(Request(record, dir), out _));
            Assert.Contains(record, e.Message);
            Assert.Contains("no samples", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void An_empty_annotation_file_is_refused_rather_than_compared_with_nothing()
    {
        var dir = TempDir();
        try
        {
            var record = Record201(dir, atr: []);
            var e = Assert.Throws<InvalidDataException>(() => ReplayJob.BuildPatients(Request(record, dir), out _));
            Assert.Contains(record + ".atr", e.Message);
            Assert.Contains("no beat or rhythm annotations", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void An_empty_aftdb_beat_file_is_refused_rather_than_compared_with_nothing()
    {
        var dir = TempDir();
        try
        {
            var set = Directory.CreateDirectory(Path.Combine(dir, "learning-set")).FullName;
            foreach (var ext in new[] { "hea", "dat" })
                File.Copy(HostFixture.Asset("aftdb", "learning-set", "n01." + ext), Path.Combine(set, "n01." + ext));
            File.WriteAllBytes(Path.Combine(set, "n01.qrs"), []);
            var record = Path.Combine(set, "n01");
            var e = Assert.Throws<InvalidDataException>(() => ReplayJob.BuildPatients(Request(record, dir), out _));
            Assert.Contains(record + ".qrs", e.Message);
            Assert.Contains("no beat annotations", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void A_garbled_annotation_file_is_refused_naming_it()
    {
        var dir = TempDir();
        try
        {
            // SKIP 2^24 samples (far past the record's 650,000), then one normal beat, then the terminator.
            var record = Record201(dir, atr: [0x00, 0xEC, 0x00, 0x01, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00]);
            var e = Assert.Throws<InvalidDataException>(() => ReplayJob.BuildPatients(Request(record, dir), out _));
            Assert.Contains(record + ".atr", e.Message);
            Assert.Contains("outside the record", e.Message);

            File.WriteAllBytes(record + ".atr", [0x00, 0x04, 0x00]);   // half a word
            e = Assert.Throws<InvalidDataException>(() => ReplayJob.BuildPatients(Request(record, dir), out _));
            Assert.Contains(record + ".atr", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData(0, 100_000)]          // copies
    [InlineData(100_000, 1)]          // synthetic
    [InlineData(int.MaxValue, 1)]
    public void Huge_patient_counts_are_refused_naming_the_option(int synthetic, int copies)
    {
        var request = new ReplayRequest([], synthetic, 60, 1, copies, ReplayPace.AsFastAsPossible, 1, 1, TempDir());
        var e = Assert.Throws<ArgumentException>(() => ReplayJob.BuildPatients(request, out _));
        Assert.Contains(synthetic > 0 ? "--synthetic" : "--copies", e.Message);
    }

    [Theory]
    [InlineData(0.0, "--segment-seconds")]
    [InlineData(1e300, "--segment-seconds")]
    public void Absurd_segment_lengths_are_refused_naming_the_option(double seconds, string option)
    {
        var request = new ReplayRequest([], 1, 60, 1, 1, ReplayPace.AsFastAsPossible, 1, seconds, TempDir());
        var e = Assert.Throws<ArgumentException>(() => ReplayJob.BuildPatients(request, out _));
        Assert.Contains(option, e.Message);
    }

    [Theory]
    [InlineData("Bacthing:MaxBatchSize", "8", "Bacthing")]
    [InlineData("Windowng:HopSeconds", "5", "Windowng")]
    public void An_unknown_section_is_an_error_naming_it(string key, string value, string named)
    {
        using var host = HostFixture.Build((key, value));
        var failures = ServiceComposition.ValidateAll(host.Services);
        Assert.Contains(failures, f => f.StartsWith(named + ":", StringComparison.Ordinal) && f.Contains("unknown configuration section"));
    }

    [Fact]
    public void Simulate_refuses_an_unknown_section_too()
    {
        var pr = SimulateCommand.Create().Parse(["--set", "Bacthing:MaxBatchSize=8", "--set", "Kafka:BootstrapServers=localhost:9092"]);
        var e = Assert.Throws<ArgumentException>(() => SimulateCommand.BindKafka(pr));
        Assert.Contains("Bacthing: unknown configuration section", e.Message);
    }

    [Fact]
    public void The_transports_sections_are_known()
    {
        using var host = HostFixture.Build(("Kafka:GroupId", "g"), ("FhirServer:Timeout", "00:00:05"));
        Assert.DoesNotContain(ServiceComposition.ValidateAll(host.Services), f => f.Contains("unknown configuration section"));
    }

    [Fact]
    public void The_renamed_Inference_section_is_refused_with_its_new_name()
    {
        using var host = HostFixture.Build(("Inference:IntraOpThreads", "2"));
        var failure = Assert.Single(ServiceComposition.ValidateAll(host.Services));
        Assert.Equal("Inference: this section is now called OnnxRuntime (README.md, \"Renamed in this release\")", failure);
    }

    [Fact]
    public void An_invalid_execution_provider_is_reported_once_under_OnnxRuntime()
    {
        using var host = HostFixture.Build(("OnnxRuntime:ExecutionProvider", "Bogus"));
        var failures = ServiceComposition.ValidateAll(host.Services);
        var failure = Assert.Single(failures);
        Assert.StartsWith("OnnxRuntime", failure);
    }

    [Fact]
    public void MaxPatients_that_would_overflow_when_shared_among_lanes_is_refused()
    {
        using var host = HostFixture.Build(("Windowing:MaxPatients", int.MaxValue.ToString()));
        Assert.Contains(ServiceComposition.ValidateAll(host.Services), f => f.StartsWith("Windowing:MaxPatients", StringComparison.Ordinal));
        using var ok = HostFixture.Build(("Windowing:MaxPatients", "1000000"));
        Assert.Empty(ServiceComposition.ValidateAll(ok.Services));
    }

    [Theory]
    [InlineData("Interpretation:OnsetWindows", "2147483647")]
    [InlineData("Interpretation:EndWindows", "721")]
    [InlineData("Interpretation:TechnicalOnsetWindows", "2147483647")]
    [InlineData("Interpretation:TechnicalEndWindows", "2147483647")]
    [InlineData("Interpretation:ClinicalRefractory", "10675199.02:48:05.4775807")]
    [InlineData("Interpretation:TechnicalRefractory", "3650.00:00:00")]
    [InlineData("Interpretation:UpdateInterval", "10675199.02:48:05.4775807")]
    public void Counts_and_periods_that_would_silence_alerts_are_refused_naming_them(string key, string value)
    {
        using var host = HostFixture.Build((key, value));
        Assert.Contains(ServiceComposition.ValidateAll(host.Services), f => f.StartsWith(key, StringComparison.Ordinal));
    }

    [Fact]
    public void A_rate_range_the_window_stage_cannot_resample_is_refused_at_start()
    {
        using var host = HostFixture.Build(("Validation:MinSampleRateHz", "0.001"));
        Assert.Contains(ServiceComposition.ValidateAll(host.Services), f => f.StartsWith("Validation:MinSampleRateHz", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("FhirServer:BearerToken:SECRET-TOKEN", "FhirServer:BearerToken:…")]
    [InlineData("FhirServer:Headers:Authorization:Bearer SECRET-TOKEN", "FhirServer:Headers:…")]
    [InlineData("Kafka:Settings:sasl.password:SECRET-TOKEN", "Kafka:Settings:sasl.password:…")]
    [InlineData("Kafka:Settings:ssl.key.password", "Kafka:Settings:ssl.key.password")]
    [InlineData("Batching:MaxBatchSize:8", "Batching:MaxBatchSize:8")]
    public void A_malformed_set_is_echoed_without_a_secrets_value(string set, string echoed)
    {
        Assert.Equal(echoed, CommonOptions.Redacted(set));
        Assert.DoesNotContain("SECRET-TOKEN", CommonOptions.Redacted(set));
    }
}
