using System.Net;
using CGDmer.Pipeline.Publishing;
using Hl7.Fhir.Model;
using Prometheus;
using Task = System.Threading.Tasks.Task;

namespace CGDmer.Transports.Fhir.Tests;

public class FhirRestSinkTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private static FhirServerOptions Options(Action<FhirServerOptions>? change = null)
    {
        var o = new FhirServerOptions
        {
            BaseUrl = "https://fhir.example.org/r4",
            InitialBackoff = TimeSpan.FromMilliseconds(1),
            MaxBackoff = TimeSpan.FromMilliseconds(20),
            MaxRetries = 4,
            Timeout = TimeSpan.FromSeconds(10),
        };
        change?.Invoke(o);
        return o;
    }

    private static (FhirRestSink Sink, FakeFhirServer Server, FhirSinkMetrics Metrics) New(Action<FhirServerOptions>? change = null)
    {
        var server = new FakeFhirServer();
        var metrics = new FhirSinkMetrics(Metrics.NewCustomRegistry());
        return (new FhirRestSink(Options(change), server, metrics), server, metrics);
    }

    [Fact]
    public async Task Each_observation_is_PUT_to_its_id_under_the_base_as_the_fhir_json_the_kafka_topic_carries()
    {
        var (sink, server, metrics) = New(o =>
        {
            o.BearerToken = "s3cret-token";
            o.Headers["X-Api-Key"] = "k-123";
        });
        using var _ = sink;
        var window = TestWindows.Published();

        await sink.Write(window).WaitAsync(Wait);

        var requests = server.Requests.OrderBy(r => r.Uri.ToString()).ToList();
        var expected = window.Observations.OrderBy(o => o.Id).ToList();
        Assert.Equal(2, requests.Count);
        for (int i = 0; i < 2; i++)
        {
            var request = requests[i];
            Assert.Equal(HttpMethod.Put, request.Method);
            // The base's path is kept: the resource path goes below it.
            Assert.Equal($"https://fhir.example.org/r4/Observation/{expected[i].Id}", request.Uri.ToString());
            Assert.StartsWith("application/fhir+json", request.ContentType);
            Assert.Equal(FhirNdjson.SerializeToUtf8(expected[i].Resource), request.Body);
            var parsed = FhirNdjson.Parse<Observation>(request.BodyText);
            Assert.Equal(expected[i].Id, parsed.Id);
            Assert.True(parsed.IsExactly(expected[i].Resource));
            Assert.Equal("Bearer s3cret-token", request.Header("Authorization"));
            Assert.Equal("k-123", request.Header("X-Api-Key"));
            Assert.Contains("application/fhir+json", request.Header("Accept"));
            Assert.Equal("return=minimal", request.Header("Prefer"));
        }
        Assert.Equal(2, sink.Accepted);
        Assert.Equal(0, sink.Pending);
        Assert.Equal(2, metrics.Requests.WithLabels("Observation").Value);
        Assert.Equal(2, metrics.Accepted.WithLabels("Observation").Value);
        Assert.Equal(2, metrics.Responses.WithLabels("201").Value);
    }

    [Fact]
    public async Task Health_says_the_server_is_not_answering_from_its_first_transient_failure_until_an_answer()
    {
        var (sink, server, metrics) = New(o => o.MaxRetries = 1000);
        using var _ = sink;
        string mode = "up";
        server.Respond = (_, _) => Volatile.Read(ref mode) switch
        {
            "503" => Task.FromResult(FakeFhirServer.Status(HttpStatusCode.ServiceUnavailable)),
            "network" => throw new HttpRequestException(HttpRequestError.ConnectionError, "connection refused"),
            "refusing" => Task.FromResult(FakeFhirServer.Status(HttpStatusCode.UnprocessableEntity)),
            _ => Task.FromResult(FakeFhirServer.Status(HttpStatusCode.Created)),
        };
        Assert.Equal(FhirServerHealth.Answering, sink.Health);   // nothing tried yet: nothing known against it
        Assert.Equal(1, metrics.ServerAnswering.Value);

        Volatile.Write(ref mode, "503");
        var write = sink.Write(TestWindows.Published());
        Assert.True(SpinWait.SpinUntil(() => !sink.Health.IsAnswering, Wait));
        Assert.Equal("503", sink.Health.LastProblem);
        Assert.Equal(0, metrics.ServerAnswering.Value);
        var early = sink.Health.FailingFor;
        // The run of failures goes on (another kind of failure does not restart its clock), and the write waits.
        Volatile.Write(ref mode, "network");
        Assert.True(SpinWait.SpinUntil(() => sink.Health.LastProblem == "network", Wait));
        await Task.Delay(50);
        Assert.True(sink.Health.FailingFor >= early + TimeSpan.FromMilliseconds(50), $"{sink.Health.FailingFor} after {early}");
        Assert.False(write.IsCompleted);

        Volatile.Write(ref mode, "up");
        await write.WaitAsync(Wait);
        Assert.Equal(FhirServerHealth.Answering, sink.Health);
        Assert.Equal(1, metrics.ServerAnswering.Value);

        // A refusal is an answer: the server is up (the write fails for its own reason, not as an outage).
        Volatile.Write(ref mode, "refusing");
        await Assert.ThrowsAsync<FhirWriteException>(() => sink.Write(TestWindows.Published()).WaitAsync(Wait));
        Assert.True(sink.Health.IsAnswering);
    }

    [Fact]
    public async Task A_window_without_observations_is_acknowledged_at_once_without_a_request()
    {
        var (sink, server, _) = New();
        using var _s = sink;
        var task = sink.Write(TestWindows.Empty());
        Assert.True(task.IsCompletedSuccessfully);
        await task;
        Assert.Empty(server.Requests);
        // Outputs that are not published windows are not this sink's: nothing to wait for.
        Assert.Null(((IAcknowledgedSink)sink).Write(new CGDmer.Pipeline.PipelineOutput(null, null, null, 7)));
    }

    [Fact]
    public async Task The_task_completes_only_when_every_observation_was_accepted()
    {
        var (sink, server, _) = New();
        using var _s = sink;
        var gates = new System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource<HttpResponseMessage>>();
        server.Respond = (r, _) => gates.GetOrAdd(r.Uri.AbsolutePath, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        var window = TestWindows.Published();
        var task = sink.Write(window);
        await WaitUntil(() => gates.Count == 2);
        var paths = gates.Keys.Order().ToList();
        gates[paths[0]].SetResult(FakeFhirServer.Status(HttpStatusCode.OK));
        await Task.Delay(50);
        Assert.False(task.IsCompleted);   // one of two accepted: not yet
        gates[paths[1]].SetResult(FakeFhirServer.Status(HttpStatusCode.Created));
        await task.WaitAsync(Wait);
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.BadGateway)]
    [InlineData(HttpStatusCode.GatewayTimeout)]
    [InlineData(HttpStatusCode.TooManyRequests)]
    [InlineData(HttpStatusCode.RequestTimeout)]
    public async Task Transient_statuses_are_retried_until_accepted(HttpStatusCode transient)
    {
        var (sink, server, metrics) = New();
        using var _s = sink;
        server.Respond = (r, _) => Task.FromResult(FakeFhirServer.Status(r.Attempt <= 2 ? transient : HttpStatusCode.OK));
        var window = TestWindows.Published();

        await sink.Write(window).WaitAsync(Wait);

        Assert.Equal(6, server.Requests.Count);   // 2 Observations × (2 failures + 1 success)
        foreach (var group in server.Requests.GroupBy(r => r.Uri))
            Assert.Single(group.Select(r => Convert.ToBase64String(r.Body)).Distinct());   // each retry resends the same body
        Assert.Equal(4, sink.Retries);
        Assert.Equal(4, metrics.Retries.WithLabels(((int)transient).ToString()).Value);
        Assert.Equal(0, sink.Failed);
    }

    [Fact]
    public async Task Network_errors_and_timeouts_are_retried()
    {
        var (sink, server, metrics) = New(o => o.Timeout = TimeSpan.FromMilliseconds(200));
        using var _s = sink;
        server.Respond = async (r, ct) =>
        {
            switch (r.Attempt)
            {
                case 1: throw new HttpRequestException(HttpRequestError.ConnectionError, "connection refused");
                case 2: await Task.Delay(Timeout.Infinite, ct); throw new InvalidOperationException("unreachable");   // never answers: the attempt times out
                default: return FakeFhirServer.Status(HttpStatusCode.Created);
            }
        };
        var window = TestWindows.Published();

        await sink.Write(window).WaitAsync(Wait);

        Assert.Equal(6, server.Requests.Count);
        Assert.Equal(2, metrics.Retries.WithLabels("network").Value);
        Assert.Equal(2, metrics.Retries.WithLabels("timeout").Value);
        Assert.Equal(2, sink.Accepted);
    }

    [Fact]
    public async Task Retry_after_is_honoured()
    {
        // Back-off of 1 ms; the server asks for 1 s. Only a lower bound is checked: the wait cannot be shorter.
        var (sink, server, _) = New(o => o.MaxBackoff = TimeSpan.FromSeconds(5));
        using var _s = sink;
        server.Respond = (r, _) =>
        {
            if (r.Attempt > 1) return Task.FromResult(FakeFhirServer.Status(HttpStatusCode.Created));
            var busy = FakeFhirServer.Status(HttpStatusCode.TooManyRequests);
            busy.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(1));
            return Task.FromResult(busy);
        };
        var started = System.Diagnostics.Stopwatch.StartNew();
        await sink.Put(TestWindows.Published().Observations[0].Resource).WaitAsync(Wait);
        Assert.True(started.Elapsed >= TimeSpan.FromMilliseconds(950), $"retried after {started.Elapsed.TotalMilliseconds} ms");
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public void Retry_after_as_seconds_or_a_date_is_capped_at_the_maximum_back_off()
    {
        var now = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
        var max = TimeSpan.FromSeconds(30);
        static HttpResponseMessage With(System.Net.Http.Headers.RetryConditionHeaderValue? v)
        {
            var r = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
            r.Headers.RetryAfter = v;
            return r;
        }
        Assert.Null(FhirRestSink.RetryAfter(With(null), now, max));
        Assert.Equal(TimeSpan.FromSeconds(2), FhirRestSink.RetryAfter(With(new(TimeSpan.FromSeconds(2))), now, max));
        Assert.Equal(max, FhirRestSink.RetryAfter(With(new(TimeSpan.FromHours(1))), now, max));
        Assert.Equal(TimeSpan.FromSeconds(7), FhirRestSink.RetryAfter(With(new(now.AddSeconds(7))), now, max));
        Assert.Equal(TimeSpan.Zero, FhirRestSink.RetryAfter(With(new(now.AddSeconds(-7))), now, max));   // a date in the past: at once
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest)]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.Forbidden)]
    [InlineData(HttpStatusCode.NotFound)]
    [InlineData(HttpStatusCode.MethodNotAllowed)]
    [InlineData(HttpStatusCode.Conflict)]
    [InlineData(HttpStatusCode.PreconditionFailed)]
    [InlineData(HttpStatusCode.UnprocessableEntity)]
    [InlineData(HttpStatusCode.NotImplemented)]
    [InlineData(HttpStatusCode.MovedPermanently)]
    [InlineData(HttpStatusCode.Accepted)]   // asynchronous acceptance is no acknowledgement
    [InlineData(HttpStatusCode.NoContent)]
    public async Task Permanent_refusals_are_not_retried_and_fault_the_task_naming_the_status_and_outcome(HttpStatusCode status)
    {
        const string patient = "MRN-0042";
        var (sink, server, metrics) = New();
        using var _s = sink;
        // Servers quote the request in their diagnostics: the patient id must not reach the exception.
        server.Respond = (_, _) => Task.FromResult(FakeFhirServer.Status(status,
            FakeFhirServer.Outcome("processing", $"Observation.subject: no Patient with identifier urn:cgdmer:patient-id|{patient}")));
        var window = TestWindows.Published(patient);

        var task = sink.Write(window);
        var error = await Assert.ThrowsAsync<FhirWriteException>(() => task.WaitAsync(Wait));

        Assert.Equal(2, server.Requests.Count);   // one per Observation, no retry
        Assert.Single(task.Exception!.InnerExceptions);   // the window's task carries one refusal, not an aggregate
        Assert.False(error.Transient);
        Assert.Equal(status, error.StatusCode);
        Assert.Equal("Observation", error.ResourceType);
        Assert.Contains(window.Observations, o => o.Id == error.ResourceId);
        Assert.Contains(((int)status).ToString(), error.Message);
        Assert.Contains("error processing: Observation.subject: no Patient with identifier urn:cgdmer:patient-id|[patient]", error.Message);
        Assert.DoesNotContain(patient, error.Message);
        Assert.Equal(0, sink.Retries);
        Assert.Equal(2, sink.Failed);
        Assert.Equal(2, metrics.Failures.WithLabels(((int)status).ToString()).Value);
    }

    [Fact]
    public async Task A_refusal_without_an_operation_outcome_names_the_status_and_quotes_nothing()
    {
        var (sink, server, _) = New();
        using var _s = sink;
        server.Respond = (_, _) =>
        {
            var r = new HttpResponseMessage(HttpStatusCode.BadRequest)
            {
                Content = new StringContent("<html>bad request for patient MRN-0042</html>", System.Text.Encoding.UTF8, "text/html"),
            };
            return Task.FromResult(r);
        };
        var error = await Assert.ThrowsAsync<FhirWriteException>(() => sink.Write(TestWindows.Published()).WaitAsync(Wait));
        Assert.Contains("400", error.Message);
        Assert.DoesNotContain("MRN-0042", error.Message);
        Assert.DoesNotContain("html", error.Message);
    }

    [Fact]
    public async Task Exhausted_retries_fault_the_task_as_transient_with_the_last_status()
    {
        var (sink, server, metrics) = New(o => o.MaxRetries = 2);
        using var _s = sink;
        server.Respond = (_, _) => Task.FromResult(FakeFhirServer.Status(HttpStatusCode.ServiceUnavailable));
        var observation = TestWindows.Published().Observations[0];

        var error = await Assert.ThrowsAsync<FhirWriteException>(() => sink.Put(observation.Resource).WaitAsync(Wait));

        Assert.Equal(3, server.Requests.Count);
        Assert.True(error.Transient);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.Contains("503", error.Message);
        Assert.Contains("after 2 retries", error.Message);
        Assert.Equal(1, metrics.Failures.WithLabels("503").Value);
    }

    [Fact]
    public async Task With_no_retries_a_transient_failure_fails_at_once()
    {
        var (sink, server, _) = New(o => o.MaxRetries = 0);
        using var _s = sink;
        server.Respond = (_, _) => throw new HttpRequestException(HttpRequestError.ConnectionError, "refused");
        var error = await Assert.ThrowsAsync<FhirWriteException>(() => sink.Put(TestWindows.Published().Observations[0].Resource).WaitAsync(Wait));
        Assert.Single(server.Requests);
        Assert.Null(error.StatusCode);
        Assert.Contains("network error", error.Message);
    }

    [Fact]
    public async Task Concurrency_is_bounded_and_a_saturated_server_blocks_the_writer()
    {
        const int slots = 3, windows = 8;
        var (sink, server, _) = New(o => o.MaxConcurrentRequests = slots);
        using var _s = sink;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Respond = async (_, _) => { await release.Task; return FakeFhirServer.Status(HttpStatusCode.Created); };
        int written = 0;
        var writes = new List<Task>();
        var writer = Task.Run(() =>
        {
            for (int i = 0; i < windows; i++)
            {
                var t = sink.Write(TestWindows.Published(index: i));
                lock (writes) writes.Add(t);
                Interlocked.Increment(ref written);
            }
        });

        await WaitUntil(() => server.InProgress == slots);
        await Task.Delay(100);
        // Window 0 took two slots, window 1 the third; the writer now waits inside Write(window 1 or 2).
        Assert.Equal(slots, server.InProgress);
        Assert.Equal(slots, sink.Pending);
        Assert.True(Volatile.Read(ref written) <= 2, $"{written} windows written while the server held every slot");
        Assert.False(writer.IsCompleted);

        release.SetResult();
        await writer.WaitAsync(Wait);
        Task[] all;
        lock (writes) all = writes.ToArray();
        await Task.WhenAll(all).WaitAsync(Wait);
        Assert.Equal(2 * windows, server.Requests.Count);
        Assert.Equal(slots, server.MaxInProgress);
    }

    [Fact]
    public async Task Writing_the_same_window_twice_PUTs_the_same_bodies_to_the_same_urls()
    {
        var (sink, server, _) = New();
        using var _s = sink;
        var window = TestWindows.Published();
        await sink.Write(window).WaitAsync(Wait);
        var first = server.Requests.Select(r => (r.Uri.ToString(), Convert.ToBase64String(r.Body))).Order().ToList();
        server.Requests.Clear();
        // A replayed window (after a restart) is rebuilt, not the same object: same ids, same content.
        await sink.Write(TestWindows.Published()).WaitAsync(Wait);
        var second = server.Requests.Select(r => (r.Uri.ToString(), Convert.ToBase64String(r.Body))).Order().ToList();
        Assert.Equal(2, first.Count);
        Assert.Equal(first, second);
        Assert.All(server.Requests, r => Assert.Equal(HttpMethod.Put, r.Method));
    }

    [Fact]
    public async Task The_models_device_is_PUT_by_its_id()
    {
        var (sink, server, metrics) = New();
        using var _s = sink;
        var device = DeviceFactory.ForModel(TestWindows.Model);
        await sink.Put(device).WaitAsync(Wait);
        var request = Assert.Single(server.Requests);
        Assert.Equal($"https://fhir.example.org/r4/Device/{device.Id}", request.Uri.ToString());
        Assert.True(FhirNdjson.Parse<Device>(request.BodyText).IsExactly(device));
        Assert.Equal(1, metrics.Accepted.WithLabels("Device").Value);
    }

    [Fact]
    public async Task A_monitors_device_is_PUT_once_before_its_first_observation()
    {
        var server = new FakeFhirServer();
        using var sink = new FhirRestSink(Options(), server) { MonitorDevice = id => DeviceFactory.ForMonitor(id, new PublishingOptions()) };
        await sink.Write(TestWindows.Published(index: 0)).WaitAsync(Wait);
        await sink.Write(TestWindows.Published(index: 1)).WaitAsync(Wait);
        await sink.Write(TestWindows.Published(patient: "MRN-0043", index: 0)).WaitAsync(Wait);
        var urls = server.Requests.Select(r => r.Uri.AbsolutePath).ToList();
        string device = "/r4/Device/" + DeviceFactory.MonitorId("monitor-7");
        // The test windows share one monitor: its Device once, first; every Observation after it.
        Assert.Equal(device, urls[0]);
        Assert.Single(urls, device);
        Assert.Equal(6, urls.Count(u => u.StartsWith("/r4/Observation/", StringComparison.Ordinal)));
        Assert.True(FhirNdjson.Parse<Device>(server.Requests.First().BodyText).IsExactly(DeviceFactory.ForMonitor("monitor-7", new PublishingOptions())));
    }

    [Fact]
    public async Task While_a_monitors_device_is_being_written_its_next_windows_wait_for_it()
    {
        var server = new FakeFhirServer();
        var deviceAnswer = new TaskCompletionSource<HttpResponseMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Respond = (r, _) => r.Uri.AbsolutePath.Contains("/Device/", StringComparison.Ordinal)
            ? deviceAnswer.Task : Task.FromResult(new HttpResponseMessage(HttpStatusCode.Created));
        using var sink = new FhirRestSink(Options(), server) { MonitorDevice = id => DeviceFactory.ForMonitor(id, new PublishingOptions()) };
        // Two windows of one monitor (another patient's on the same monitor too) while its Device is still unanswered.
        var first = sink.Write(TestWindows.Published(index: 0));
        var second = sink.Write(TestWindows.Published(index: 1));
        var other = sink.Write(TestWindows.Published(patient: "MRN-0043", index: 0));
        await Task.Delay(200);
        Assert.Single(server.Requests);   // the Device only: no Observation may reach the server before it
        Assert.False(second.IsCompleted || other.IsCompleted);

        deviceAnswer.SetResult(new HttpResponseMessage(HttpStatusCode.Created));
        await Task.WhenAll(first, second, other).WaitAsync(Wait);
        var urls = server.Requests.Select(r => r.Uri.AbsolutePath).ToList();
        Assert.StartsWith("/r4/Device/", urls[0]);
        Assert.Single(urls, u => u.StartsWith("/r4/Device/", StringComparison.Ordinal));
        Assert.Equal(6, urls.Count(u => u.StartsWith("/r4/Observation/", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_monitors_device_that_failed_fails_the_windows_waiting_for_it_and_is_written_again_with_the_next()
    {
        var server = new FakeFhirServer();
        var deviceAnswer = new TaskCompletionSource<HttpResponseMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        int devicePuts = 0;
        server.Respond = (r, _) => !r.Uri.AbsolutePath.Contains("/Device/", StringComparison.Ordinal)
            ? Task.FromResult(new HttpResponseMessage(HttpStatusCode.Created))
            : Interlocked.Increment(ref devicePuts) == 1 ? deviceAnswer.Task
            : Task.FromResult(new HttpResponseMessage(HttpStatusCode.Created));
        using var sink = new FhirRestSink(Options(), server) { MonitorDevice = id => DeviceFactory.ForMonitor(id, new PublishingOptions()) };
        var first = sink.Write(TestWindows.Published(index: 0));
        var second = sink.Write(TestWindows.Published(index: 1));
        deviceAnswer.SetResult(FakeFhirServer.Status(HttpStatusCode.UnprocessableEntity, FakeFhirServer.Outcome("processing", "Device invalid")));

        var error = await Assert.ThrowsAsync<FhirWriteException>(() => first.WaitAsync(Wait));
        Assert.Equal("Device", error.ResourceType);
        await Assert.ThrowsAsync<FhirWriteException>(() => second.WaitAsync(Wait));
        Assert.DoesNotContain(server.Requests, r => r.Uri.AbsolutePath.StartsWith("/r4/Observation/", StringComparison.Ordinal));

        // The monitor's next window PUTs its Device again, then its Observations.
        await sink.Write(TestWindows.Published(index: 2)).WaitAsync(Wait);
        var urls = server.Requests.Select(r => r.Uri.AbsolutePath).ToList();
        Assert.Equal(2, urls.Count(u => u.StartsWith("/r4/Device/", StringComparison.Ordinal)));
        Assert.Equal(2, urls.Count(u => u.StartsWith("/r4/Observation/", StringComparison.Ordinal)));
        Assert.True(urls.FindLastIndex(u => u.StartsWith("/r4/Device/", StringComparison.Ordinal))
                    < urls.FindIndex(u => u.StartsWith("/r4/Observation/", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_windows_alert_resources_are_PUT_after_its_observations()
    {
        var server = new FakeFhirServer();
        using var sink = new FhirRestSink(Options(), server) { MonitorDevice = id => DeviceFactory.ForMonitor(id, new PublishingOptions()) };
        var window = TestWindows.Published();
        var alert = new AlertResourceFactory(new PublishingOptions(), DeviceFactory.ForModel(TestWindows.Model)).Create(new CGDmer.Pipeline.Interpretation.AlertEvent
        {
            AlertId = "0123456789abcdef0123456789abcdef", Event = "onset", Kind = "clinical", Code = "atrial_fibrillation", SnomedCt = "49436004",
            Display = "Atrial fibrillation", PatientId = window.PatientId, DeviceId = window.Window.DeviceId, Onset = window.Window.Start,
            ObservedAt = window.Window.End, Priority = "medium", ObservationIds = [window.Observations[1].Id],
        });
        await sink.Write(window with { AlertResources = [alert] }).WaitAsync(Wait);
        var urls = server.Requests.Select(r => r.Uri.AbsolutePath).ToList();
        Assert.Equal(4, urls.Count);
        Assert.StartsWith("/r4/Device/monitor-", urls[0]);
        Assert.Equal($"/r4/CommunicationRequest/{alert.Id}", urls[3]);
        Assert.True(FhirNdjson.Parse<CommunicationRequest>(server.Requests.Last().BodyText).IsExactly(alert));
    }

    [Fact]
    public async Task Without_a_monitor_device_builder_only_observations_are_PUT()
    {
        var (sink, server, _) = New();
        using var _s = sink;
        await sink.Write(TestWindows.Published()).WaitAsync(Wait);
        Assert.All(server.Requests, r => Assert.Contains("/Observation/", r.Uri.AbsolutePath));
    }

    [Fact]
    public void A_resource_without_a_valid_id_is_refused_before_any_request()
    {
        var (sink, server, _) = New();
        using var _s = sink;
        Assert.Throws<ArgumentException>(() => { _ = sink.Put(new Observation()); });
        Assert.Throws<ArgumentException>(() => { _ = sink.Put(new Observation { Id = "has spaces/and slashes" }); });
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Disposing_cancels_what_is_in_flight_and_refuses_new_writes()
    {
        var (sink, server, _) = New();
        server.Respond = async (_, ct) => { await Task.Delay(Timeout.Infinite, ct); return FakeFhirServer.Status(HttpStatusCode.OK); };
        var task = sink.Write(TestWindows.Published());
        await WaitUntil(() => server.InProgress == 2);
        Assert.False(await sink.DrainAsync(TimeSpan.FromMilliseconds(50)));
        sink.Dispose();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task.WaitAsync(Wait));
        Assert.True(await sink.DrainAsync(Wait));
        Assert.Throws<ObjectDisposedException>(() => { _ = sink.Write(TestWindows.Published()); });
    }

    [Fact]
    public void A_sink_needs_a_base_url()
    {
        var ex = Assert.Throws<ArgumentException>(() => new FhirRestSink(new FhirServerOptions(), new FakeFhirServer()));
        Assert.Contains("FhirServer:BaseUrl", ex.Message);
    }

    internal static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not reached");
            await Task.Delay(5);
        }
    }
}
