using System.Net;
using CGDmer.Pipeline.Settlement;
using Task = System.Threading.Tasks.Task;

namespace CGDmer.Transports.Fhir.Tests;

/// <summary>
/// What the Kafka runner does with the second acknowledgement: a window's delivery is Kafka's and the FHIR server's
/// together (<see cref="Acknowledgements.Both"/>), and the ledger commits past its inputs only when both acknowledged.
/// </summary>
public class AcknowledgementTests
{
    private const string Topic = "ecg.segments.v1";
    private static SourcePosition At(long offset) => new(Topic, 0, offset);

    [Fact]
    public async Task The_combined_task_completes_only_when_both_complete()
    {
        var kafka = new TaskCompletionSource();
        var fhir = new TaskCompletionSource();
        var both = Acknowledgements.Both(kafka.Task, fhir.Task)!;
        kafka.SetResult();
        Assert.False(both.IsCompleted);
        fhir.SetResult();
        await both;
        Assert.Same(kafka.Task, Acknowledgements.Both(kafka.Task, null));
        // Both refused: one exception (the first task's), not an aggregate the ledger would report as such.
        var k = Task.FromException(new InvalidOperationException("kafka"));
        var f = Task.FromException(new InvalidOperationException("fhir"));
        var failed = Acknowledgements.Both(k, f)!;
        await Assert.ThrowsAsync<InvalidOperationException>(() => failed);
        Assert.Equal("kafka", Assert.Single(failed.Exception!.InnerExceptions).Message);
        Assert.Same(fhir.Task, Acknowledgements.Both(null, fhir.Task));
        Assert.Null(Acknowledgements.Both(null, null));
    }

    [Fact]
    public async Task The_combined_task_faults_with_the_fhir_servers_refusal_when_kafka_acknowledged()
    {
        var server = new FakeFhirServer
        {
            Respond = (_, _) => Task.FromResult(FakeFhirServer.Status(HttpStatusCode.UnprocessableEntity,
                FakeFhirServer.Outcome("invalid", "bad code"))),
        };
        using var sink = new FhirRestSink(new FhirServerOptions { BaseUrl = "https://fhir.example.org/r4" }, server);
        var both = Acknowledgements.Both(Task.CompletedTask, sink.Write(TestWindows.Published()))!;
        var error = await Assert.ThrowsAsync<FhirWriteException>(() => both);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, error.StatusCode);
    }

    [Fact]
    public async Task The_ledger_commits_past_a_window_only_when_kafka_and_the_fhir_server_both_acknowledged()
    {
        var stored = new List<SourcePosition>();
        var ledger = new InputLedger(p => { lock (stored) stored.Add(p); });
        var window = TestWindows.Published();
        ledger.ReadForPipeline(At(10), window.PatientId);
        ledger.ReadForPipeline(At(11), window.PatientId);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var server = new FakeFhirServer { Respond = async (_, _) => { await gate.Task; return FakeFhirServer.Status(HttpStatusCode.Created); } };
        using var sink = new FhirRestSink(new FhirServerOptions { BaseUrl = "https://fhir.example.org/r4" }, server);
        var kafka = new TaskCompletionSource();
        var fhir = sink.Write(window);
        ledger.TrackWindow(window.PatientId, new InputSettlement(1, 1, 2), Acknowledgements.Both(kafka.Task, fhir));

        kafka.SetResult();
        await Task.Delay(50);
        lock (stored) Assert.Empty(stored);   // Kafka acknowledged, the FHIR server not yet
        gate.SetResult();
        await fhir.WaitAsync(TimeSpan.FromSeconds(30));
        // The watermark may advance in steps (each settled input stored as it goes); it ends past both inputs.
        await FhirRestSinkTests.WaitUntil(() => { lock (stored) return stored.Count > 0 && stored[^1] == At(12); });
        lock (stored) Assert.All(stored, p => Assert.True(p.Offset > 10, $"stored {p} before the window was acknowledged"));
        Assert.Equal(0, ledger.HeldInputs);
    }

    [Fact]
    public async Task A_refused_put_stops_the_watermark_and_is_reported_like_a_refused_kafka_message()
    {
        var stored = new List<SourcePosition>();
        var ledger = new InputLedger(p => { lock (stored) stored.Add(p); });
        var failed = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        ledger.DeliveryFailed += e => failed.TrySetResult(e);
        var window = TestWindows.Published();
        ledger.ReadForPipeline(At(10), window.PatientId);
        var server = new FakeFhirServer { Respond = (_, _) => Task.FromResult(FakeFhirServer.Status(HttpStatusCode.Forbidden)) };
        using var sink = new FhirRestSink(new FhirServerOptions { BaseUrl = "https://fhir.example.org/r4" }, server);

        ledger.TrackWindow(window.PatientId, new InputSettlement(1, 1, 1), Acknowledgements.Both(Task.CompletedTask, sink.Write(window)));

        // The runner's DeliveryFailed handler turns this into its Completion's fault (the service exits 1).
        var error = Assert.IsType<FhirWriteException>(await failed.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("403", error.Message);
        lock (stored) Assert.Empty(stored);
        Assert.Equal(1, ledger.HeldInputs);
        Assert.Equal(1, ledger.FailedDeliveries);
    }
}
