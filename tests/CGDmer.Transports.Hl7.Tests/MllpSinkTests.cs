using CGDmer.TestSupport;
using System.Diagnostics;
using CGDmer.Pipeline;
using CGDmer.Transports.Hl7.Mllp;
using CGDmer.Transports.Hl7.Pcd;

namespace CGDmer.Transports.Hl7.Tests;

/// <summary>The MLLP sink end to end against python-hl7's MLLP server (Hl7Peers/mllp_listener.py) in its fault modes.</summary>
public class MllpSinkTests
{
    private static Hl7Options Options(PythonMllpListener listener, int maxInFlight = 256, double ackTimeoutSeconds = 5, int maxRetries = 4) => new()
    {
        Endpoint = listener.Endpoint, MaxInFlight = maxInFlight, AckTimeout = TimeSpan.FromSeconds(ackTimeoutSeconds),
        InitialBackoff = TimeSpan.FromMilliseconds(50), MaxBackoff = TimeSpan.FromMilliseconds(200), MaxRetries = maxRetries,
    };

    private static List<Hl7Message> Messages(int windows) =>
        TestOutputs.Windows(windows).SelectMany(new PcdMessageEncoder(new Hl7Options()).Encode).ToList();

    [Fact]
    public async Task Every_message_is_acknowledged_once_in_order()
    {
        using var listener = new PythonMllpListener("ack");
        using var sink = new Hl7MllpSink(Options(listener));
        var windows = TestOutputs.Windows(40);
        var acks = windows.Select(w => sink.Write(new PipelineOutput(w, null))).OfType<Task>().ToList();
        await Task.WhenAll(acks).WaitAsync(TimeSpan.FromSeconds(30));
        var expected = windows.SelectMany(new PcdMessageEncoder(new Hl7Options()).Encode).Select(m => m.ControlId).ToList();
        Assert.Equal(expected, listener.Received().Select(r => r.ControlId));
        Assert.Equal(expected.Count, sink.Accepted);
        Assert.Equal(0, sink.Pending);
        Assert.True(sink.Health.IsAnswering);
    }

    [Theory]
    [InlineData("ae", "AE")]
    [InlineData("ar", "AR")]
    public async Task A_refusal_faults_the_write_naming_the_code_and_is_not_retried(string mode, string code)
    {
        using var listener = new PythonMllpListener(mode);
        using var sink = new Hl7MllpSink(Options(listener));
        var message = Messages(5)[0];
        var refused = await Assert.ThrowsAsync<Hl7DeliveryException>(() => sink.Send(message).WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(code, refused.AcknowledgementCode);
        Assert.False(refused.Transient);
        Assert.Contains(message.ControlId, refused.Message);
        Assert.Single(listener.Received());
        Assert.Equal(1, sink.Failed);
    }

    [Fact]
    public async Task A_connection_dropped_mid_message_is_reconnected_and_the_message_sent_again()
    {
        using var listener = new PythonMllpListener("drop-first");
        using var sink = new Hl7MllpSink(Options(listener));
        var messages = Messages(10);
        var acks = messages.Select(sink.Send).ToList();
        await Task.WhenAll(acks).WaitAsync(TimeSpan.FromSeconds(30));
        // The dropped attempt never reached the parser: each message arrived once, in order.
        Assert.Equal(messages.Select(m => m.ControlId), listener.Received().Select(r => r.ControlId));
        Assert.True(sink.Retries >= 1);
    }

    [Fact]
    public async Task An_unanswered_message_is_sent_again_identically_after_the_ack_timeout()
    {
        using var listener = new PythonMllpListener("silent-first");
        using var sink = new Hl7MllpSink(Options(listener, ackTimeoutSeconds: 1));
        var messages = Messages(6);
        var acks = messages.Select(sink.Send).ToList();
        await Task.WhenAll(acks).WaitAsync(TimeSpan.FromSeconds(30));
        var received = listener.Received();
        // At least once: the first message twice (same control id), nothing lost, nothing else repeated.
        Assert.Equal([messages[0].ControlId, .. messages.Select(m => m.ControlId)], received.Select(r => r.ControlId));
        Assert.Equal(2, received[1].Copy);
        Assert.Equal(1, sink.Retries);
    }

    [Fact]
    public async Task A_slow_receiver_blocks_the_writer_at_the_in_flight_bound_and_loses_nothing()
    {
        using var listener = new PythonMllpListener("slow", delaySeconds: 0.05);
        using var sink = new Hl7MllpSink(Options(listener, maxInFlight: 3));
        var messages = Messages(20).Take(24).ToList();
        long maxPending = 0;
        var acks = new List<Task>();
        var watch = Stopwatch.StartNew();
        foreach (var m in messages)
        {
            acks.Add(sink.Send(m));
            maxPending = Math.Max(maxPending, sink.Pending);
        }
        long handedOverMs = watch.ElapsedMilliseconds;
        await Task.WhenAll(acks).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.InRange(maxPending, 1, 3);
        // 24 messages at 50 ms each with 3 in flight: the writer cannot have handed them all over before about 21 were acknowledged.
        Assert.True(handedOverMs >= 21 * 50 * 0.8, $"handed over in {handedOverMs} ms: no back-pressure");
        Assert.Equal(messages.Select(m => m.ControlId), listener.Received().Select(r => r.ControlId));
    }

    [Fact]
    public async Task No_receiver_fails_transiently_after_the_retries_and_marks_it_not_answering()
    {
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0)) { probe.Start(); port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port; }
        using var sink = new Hl7MllpSink(new Hl7Options
        {
            Endpoint = $"127.0.0.1:{port}", MaxRetries = 2, InitialBackoff = TimeSpan.FromMilliseconds(20), MaxBackoff = TimeSpan.FromMilliseconds(40),
            ConnectTimeout = TimeSpan.FromSeconds(1),
        });
        var failed = await Assert.ThrowsAsync<Hl7DeliveryException>(() => sink.Send(Messages(3)[0]).WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.True(failed.Transient);
        Assert.Null(failed.AcknowledgementCode);
        Assert.Equal(2, sink.Retries);
        Assert.False(sink.Health.IsAnswering);
        Assert.Equal("network", sink.Health.LastProblem);

        // What is queued behind a message that failed for good fails at once, without its own retries.
        var behind = Messages(3).Skip(1).Take(2).Select(sink.Send).ToList();
        foreach (var t in behind)
        {
            var e = await Assert.ThrowsAsync<Hl7DeliveryException>(() => t.WaitAsync(TimeSpan.FromSeconds(20)));
            Assert.Contains("failed an earlier message", e.Message);
        }
        Assert.Equal(2, sink.Retries);
    }
}
