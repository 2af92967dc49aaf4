using System.Collections.Concurrent;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using CGDmer.Contracts.Telemetry.V1;
using static CGDmer.TestSupport.PipelineTestData;

namespace CGDmer.Pipeline.Tests;

/// <summary>A failing source ends the pipeline with its error, whatever the timing, and nothing is thrown back into it.</summary>
public class PipelineSourceErrorTests
{
    [Fact]
    public void A_source_error_at_any_point_and_a_concurrent_dispose_never_throw_into_the_source()
    {
        const int Iterations = 200;
        var rng = new Random(16);
        var escaped = new ConcurrentQueue<Exception>();
        var clock = T0.AddMinutes(2);
        for (int i = 0; i < Iterations; i++)
        {
            int failAt = rng.Next(0, 40);
            bool disposeConcurrently = i % 2 == 0;
            var boom = new InvalidOperationException($"source failed at {failAt}");
            // Three patients interleaved, so windows, closings and settlements are in flight when the error comes.
            var segments = Enumerable.Range(0, failAt).Select(k => Wire($"patient-{k % 3}", $"monitor-{k % 3}", (ulong)(k / 3), k / 3)).ToList();
            var sourceDone = new ManualResetEventSlim();
            var source = Observable.Create<EcgSegment>(observer =>
            {
                var thread = new Thread(() =>
                {
                    try
                    {
                        foreach (var s in segments) observer.OnNext(s);
                        observer.OnError(boom);
                    }
                    catch (Exception e) { escaped.Enqueue(e); }
                    finally { sourceDone.Set(); }
                }) { IsBackground = true, Name = "failing-source" };
                thread.Start();
                return Disposable.Empty;
            });

            Exception? error = null;
            var ended = new ManualResetEventSlim();
            var subscription = EcgPipeline.Run(source, () => clock, Components(lanes: 1 + i % 3, publishThread: i % 4 < 2))
                .Subscribe(_ => { }, e => { error = e; ended.Set(); }, ended.Set);
            if (disposeConcurrently)
            {
                Thread.SpinWait(rng.Next(0, 200_000));
                subscription.Dispose();
            }
            else
            {
                Assert.True(ended.Wait(TimeSpan.FromSeconds(30)), $"iteration {i}: the pipeline did not end");
                Assert.Same(boom, error);   // the source's error is the pipeline's
                subscription.Dispose();
            }
            Assert.True(sourceDone.Wait(TimeSpan.FromSeconds(30)), $"iteration {i}: the source did not return");
            // What a worker thread is still finishing (a lane's flush, the Finally) must not throw either.
            Thread.Sleep(1);
        }
        Assert.True(escaped.IsEmpty, $"{escaped.Count} exceptions were thrown into the source in {Iterations} runs; the first: {escaped.FirstOrDefault()}");
    }
}
