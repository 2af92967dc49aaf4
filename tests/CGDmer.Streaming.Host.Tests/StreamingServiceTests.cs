using CGDmer.Simulation;
using CGDmer.Pipeline.OnnxRuntime;
using CGDmer.Pipeline;
using CGDmer.Pipeline.Inference;
using CGDmer.Signal.Synthesis;
using CGDmer.Transports;
using CGDmer.Transports.Replay;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CGDmer.Streaming.Host.Tests;

/// <summary>
/// The service without Kafka: a sink that cannot store an output (a full disk) fails it once; stopping mid-stream
/// disposes the model only after the batch in flight (it crashed the process natively before).
/// </summary>
public class StreamingServiceTests
{
    /// <summary>A disk that is full: every write throws, as the NDJSON writer does after its first failure.</summary>
    private sealed class FullDisk : IPipelineSink
    {
        public int Writes;
        public void Write(PipelineOutput output, DateTimeOffset receivedAt)
        {
            Interlocked.Increment(ref Writes);
            throw new IOException("No space left on device");
        }
        public void Flush() { }
        public void Dispose() { }
    }

    [Fact]
    public async Task A_sink_that_cannot_store_outputs_fails_the_service_once()
    {
        var sampler = new DatasetSampler(new ConditionMix(), 60, 500);
        var patients = new[] { new RecordingSegmenter(SyntheticRecording.From(sampler.Generate(7), "s"), "p", "d", ReplayCommand.DefaultStart, 1.0) };
        var builder = ServiceComposition.CreateBuilder(null,
            [new("Model:Path", HostFixture.Asset("cgdmer-small.onnx")), new("Metrics:Enabled", "false")], LogLevel.Critical);
        var sink = new FullDisk();
        builder.Services.AddSingleton<ISegmentSource>(new ReplaySource(patients, ReplayPace.AsFastAsPossible));
        builder.Services.AddSingleton<IPipelineSink>(sink);
        builder.Services.AddHostedService<StreamingService>();
        int exitCode = Environment.ExitCode;
        try
        {
            using var host = builder.Build();
            var health = host.Services.GetRequiredService<ServiceHealth>();
            await host.RunAsync().WaitAsync(TimeSpan.FromSeconds(60));   // ends when the service fails
            // Before, each output logged an error and the service ended normally when the source did.
            Assert.Equal(1, Environment.ExitCode);
            var (alive, text) = health.Liveness();
            Assert.False(alive);
            Assert.Contains("IOException", text);
            Assert.True(sink.Writes >= 1);
        }
        finally { Environment.ExitCode = exitCode; }
    }

    [Fact]
    public void Disposing_the_model_waits_for_the_run_in_flight_and_later_runs_are_refused()
    {
        var session = new OnnxFindingsSession(HostFixture.Asset("cgdmer-small.onnx"), new OnnxRuntimeOptions { ExecutionProvider = ExecutionProviderChoice.Cpu, WarmUp = false },
                                              Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var probabilities = new float[session.MaxBatchSize * session.Metadata.Labels.Count];
        int runs = 0;
        Exception? refused = null;
        var running = new ManualResetEventSlim();
        var worker = new Thread(() =>
        {
            try
            {
                while (true)
                {
                    session.Run(session.MaxBatchSize, probabilities);
                    Interlocked.Increment(ref runs);
                    running.Set();
                }
            }
            catch (ObjectDisposedException e) { refused = e; }
        });
        worker.Start();
        Assert.True(running.Wait(TimeSpan.FromSeconds(30)));
        session.Dispose();   // while the worker runs batch after batch: must not free the session under a run
        Assert.True(worker.Join(TimeSpan.FromSeconds(30)));
        Assert.IsType<ObjectDisposedException>(refused);
        Assert.True(runs > 0);
    }
}
