using CGDmer.Contracts.Telemetry.V1;

namespace CGDmer.Transports;

/// <summary>Where live segments come from (a replay here; Kafka in its own project).</summary>
public interface ISegmentSource
{
    /// <summary>The segments; the pipeline's back-pressure blocks the source's OnNext when the model falls behind.</summary>
    IObservable<EcgSegment> Segments();

    /// <summary>The receiver clock for the validate stage's time rules (wall clock live, the replay's clock in a replay).</summary>
    DateTimeOffset Now { get; }
}

/// <summary>Where the pipeline's output goes: Observations, alert events and dead letters.</summary>
public interface IPipelineSink : IDisposable
{
    /// <summary>Writes one output; must not throw for a single bad item (it is counted and logged by the caller).</summary>
    void Write(CGDmer.Pipeline.PipelineOutput output, DateTimeOffset receivedAt);

    /// <summary>Makes everything written so far durable.</summary>
    void Flush();
}
