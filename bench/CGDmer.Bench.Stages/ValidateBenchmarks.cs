using BenchmarkDotNet.Attributes;
using CGDmer.Contracts.Telemetry.V1;
using CGDmer.Pipeline.Validation;
using CGDmer.TestSupport;

namespace CGDmer.Bench.Stages;

/// <summary>The validate stage: a wire segment (1 s, two leads, integer samples with gain) to accepted mV samples.</summary>
[MemoryDiagnoser]
public class ValidateBenchmarks
{
    private readonly SegmentValidator _validator = new();
    private EcgSegment _segment = null!;
    private DateTimeOffset _receivedAt;

    [Params(250, 500)]
    public int SampleRateHz { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _segment = PipelineTestData.Wire("bench-patient", "bench-monitor", 1, 0, count: SampleRateHz, rateHz: SampleRateHz);
        _receivedAt = PipelineTestData.EndOf(_segment);
    }

    [Benchmark]
    public ValidationResult Validate() => _validator.Validate(_segment, _receivedAt);
}
