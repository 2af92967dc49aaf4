using CGDmer.Pipeline;

namespace CGDmer.Transports.Hl7.Tests;

public class AcknowledgedSinksTests
{
    private sealed class Recording(Task? result) : IAcknowledgedSink
    {
        public int Writes;
        public Task? Write(PipelineOutput output) { Writes++; return result; }
        public Task<bool> DrainAsync(TimeSpan timeout) => Task.FromResult(result is null || result.IsCompleted);
    }

    [Fact]
    public void Combining_skips_absent_sinks_and_returns_a_single_one_as_is()
    {
        var one = new Recording(Task.CompletedTask);
        Assert.Null(AcknowledgedSinks.Combine(null, null));
        Assert.Same(one, AcknowledgedSinks.Combine(null, one));
    }

    [Fact]
    public async Task An_output_is_acknowledged_when_every_sink_acknowledged_it_and_fails_when_one_refused()
    {
        var refused = new TaskCompletionSource();
        var ok = new Recording(Task.CompletedTask);
        var failing = new Recording(refused.Task);
        var both = AcknowledgedSinks.Combine(ok, failing)!;
        var ack = both.Write(new PipelineOutput(null, null))!;
        Assert.False(ack.IsCompleted);
        Assert.False(await both.DrainAsync(TimeSpan.FromMilliseconds(10)));
        refused.SetException(new InvalidOperationException("refused"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => ack);
        Assert.Equal(1, ok.Writes);
        Assert.Equal(1, failing.Writes);
        Assert.Null(AcknowledgedSinks.Combine(new Recording(null), new Recording(null))!.Write(new PipelineOutput(null, null)));
    }
}
