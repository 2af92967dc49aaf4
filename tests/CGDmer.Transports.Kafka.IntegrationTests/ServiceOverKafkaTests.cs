using CGDmer.TestSupport;
using System.Text.Json;
using CGDmer.Simulation;
using Xunit.Abstractions;

namespace CGDmer.Transports.Kafka.IntegrationTests;

/// <summary>
/// The service (<c>cgdmer-stream run</c>, its own process) between real Kafka topics, fed by the bedside simulator:
/// end to end, crash, rebalance, broker outage, bad input. Each test checks at-least-once: every window that should
/// have produced Observations did, and every duplicate is exactly the same resource.
/// </summary>
[Collection(KafkaBrokerCollection.Name)]
public sealed class ServiceOverKafkaTests(KafkaBrokerFixture broker, ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(150);

    private async Task<PublishedObservations> WaitForWindowsAsync(TopicCollector observations, HashSet<(string, DateTimeOffset)> expected,
                                                                  TimeSpan within, params ServiceProcess[] services)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var published = new PublishedObservations(observations.Messages);
            var missing = published.Missing(expected);
            if (missing.Count == 0) return published;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{missing.Count} of {expected.Count} windows still without Observations, e.g. {string.Join(", ", missing.Take(3))}");
            foreach (var s in services)
                if (s.HasExited) throw new InvalidOperationException($"the service exited ({s.ExitCode}) with {missing.Count} windows missing");
            await Task.Delay(250);
        }
    }

    /// <summary>Polls /readyz until it stops answering 200 (at most 30 s: the service samples its dependencies every
    /// 2 s), logs what it said, and returns it.</summary>
    private async Task<(int Status, string Body)> ReadinessOnceNotReadyAsync(ServiceProcess service, string during)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        (int Status, string Body) ready;
        while ((ready = await service.GetAsync("/readyz")).Status == 200 && DateTime.UtcNow < deadline) await Task.Delay(250);
        output.WriteLine($"/readyz during {during}: {ready.Status} {ready.Body}");
        return ready;
    }

    private static async Task UntilAsync(Func<bool> condition, TimeSpan within, string what)
    {
        var deadline = DateTime.UtcNow + within;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"not within {within}: {what}");
            await Task.Delay(100);
        }
    }

    private void Report(string what, PublishedObservations published, int expected) =>
        output.WriteLine($"{what}: {expected} windows expected; {published.Resources} Observations, {published.Messages} messages ({published.Duplicates} duplicates)");

    [Fact]
    public async Task Simulator_to_service_to_observations_and_alerts_then_a_graceful_stop_commits()
    {
        using var ward = new Ward(broker, output, "e2e");
        var simulator = Ward.Monitors(3, TimeSpan.FromMinutes(2), seed: 11);
        var expected = Ward.ExpectedWindows(simulator);
        var observations = ward.Collect(ward.Topics.Observations);
        var alerts = ward.Collect(ward.Topics.Alerts);
        var deadLetters = ward.Collect(ward.Topics.DeadLetter);

        // The beat stream on, with epochs of 20 s (not 60): what an epoch holds back from its classifier's warm-up then
        // stays well short of the two minutes each monitor sends, so the re-read bound at the end still says "not the stream".
        const int beatEpochSeconds = 20, beatWarmUpSeconds = 10;
        var settings = ward.ServiceSettings("Windowing:BeatStreamLeads=2", $"Windowing:BeatEpochSeconds={beatEpochSeconds}",
                                            $"Windowing:BeatWarmUpSeconds={beatWarmUpSeconds}");
        await using var service = await ServiceProcess.StartAsync("service", settings, output);
        var produced = await ward.Produce(simulator, speed: null);
        Assert.Equal(0, produced.Failed);

        var published = await WaitForWindowsAsync(observations, expected, Patience, service);
        Report("end to end", published, expected.Count);
        Assert.True(published.HeartRates >= expected.Count / 2, $"{published.HeartRates} heart-rate Observations");
        Assert.Empty(published.DifferingDuplicates());
        Assert.Equal(0, deadLetters.Count);
        // The metrics saw the segments and nothing is left unacknowledged once the windows are out.
        Assert.Equal(produced.Delivered, await service.MetricAsync("cgdmer_segments_received_total"));
        Assert.Equal((200, "ready"), await service.GetAsync("/readyz"));

        // Alerts, if any, are alert events of these patients (the synthetic ward has arrhythmias; none is guaranteed).
        var patients = simulator.Monitors.Select(m => m.PatientId).ToHashSet();
        foreach (var (key, json) in alerts.Messages)
        {
            Assert.Contains(key!, patients);
            using var doc = JsonDocument.Parse(json);
            Assert.Equal(key, doc.RootElement.GetProperty("patientId").GetString());
        }
        output.WriteLine($"{alerts.Count} alert events");

        // SIGTERM: drain, commit, leave the group, exit 0. A new instance of the group then has nothing to re-read
        // except what unelapsed windows held.
        Assert.Equal(0, await service.TerminateAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains(service.Lines, l => l.Contains("draining the pipeline and committing", StringComparison.Ordinal));
        await using var again = await ServiceProcess.StartAsync("restarted", settings, output);
        await Task.Delay(TimeSpan.FromSeconds(8));   // join, fetch whatever was not committed
        double reread = await again.MetricAsync("cgdmer_segments_received_total") ?? 0;
        output.WriteLine($"re-read after the graceful stop: {reread} of {produced.Delivered} segments");
        // Only the tail held by the last, unelapsed window of each monitor (≲ window + margin + hop of 1 s segments) and
        // by the beat epoch still running, from its classifier's warm-up on, and the 30-s context a window reads.
        Assert.InRange(reread, 0, simulator.Monitors.Count * (16 + beatEpochSeconds + beatWarmUpSeconds + CGDmer.Signal.Beats.RhythmFeatures.ContextSeconds - 10));
    }

    [Fact]
    public async Task A_service_killed_mid_stream_and_restarted_loses_no_window_and_its_duplicates_are_identical()
    {
        using var ward = new Ward(broker, output, "crash");
        var simulator = Ward.Monitors(4, TimeSpan.FromMinutes(2), seed: 12);
        var expected = Ward.ExpectedWindows(simulator);
        var observations = ward.Collect(ward.Topics.Observations);

        var first = await ServiceProcess.StartAsync("first", ward.ServiceSettings(), output);
        var producing = ward.Produce(simulator, speed: 6);   // 2 min of data in ~20 s
        await UntilAsync(() => new PublishedObservations(observations.Messages).Resources >= expected.Count * 2 * 2 / 5, Patience, "40 % of the Observations");
        await first.KillAsync();
        int beforeCrash = new PublishedObservations(observations.Messages).Resources;

        await using var second = await ServiceProcess.StartAsync("restarted", ward.ServiceSettings(), output);
        Assert.Equal(0, (await producing).Failed);
        var published = await WaitForWindowsAsync(observations, expected, Patience, second);
        Report("crash", published, expected.Count);
        output.WriteLine($"{beforeCrash} Observations before the SIGKILL");
        Assert.InRange(beforeCrash, 1, published.Resources - 1);   // killed mid-stream, not before or after
        Assert.Empty(published.DifferingDuplicates());
        await first.DisposeAsync();
    }

    [Fact]
    public async Task A_second_instance_joining_mid_stream_takes_partitions_and_nothing_is_lost()
    {
        using var ward = new Ward(broker, output, "rebalance");
        var simulator = Ward.Monitors(6, TimeSpan.FromMinutes(2), seed: 13);
        var expected = Ward.ExpectedWindows(simulator);
        var observations = ward.Collect(ward.Topics.Observations);

        await using var first = await ServiceProcess.StartAsync("first", ward.ServiceSettings(), output);
        var producing = ward.Produce(simulator, speed: 6);
        await UntilAsync(() => new PublishedObservations(observations.Messages).Resources >= expected.Count * 2 * 2 / 5, Patience, "40 % of the Observations");
        await using var second = await ServiceProcess.StartAsync("second", ward.ServiceSettings(), output);
        Assert.Equal(0, (await producing).Failed);
        var published = await WaitForWindowsAsync(observations, expected, Patience, first, second);
        Report("rebalance", published, expected.Count);

        // The group really was rebalanced: the newcomer read some partitions, the first instance gave them up.
        await second.WaitForLogAsync("Partitions Assigned", TimeSpan.FromSeconds(5));
        Assert.True(await second.MetricAsync("cgdmer_segments_received_total") > 0, "the second instance read segments");
        Assert.Contains(first.Lines, l => l.Contains("Partitions Revoked", StringComparison.Ordinal) || l.Contains("Partitions Lost", StringComparison.Ordinal));
        Assert.Empty(published.DifferingDuplicates());
    }

    [Fact]
    public async Task A_broker_outage_mid_stream_is_reported_in_health_and_metrics_and_loses_nothing()
    {
        Assert.True(broker.OwnsBroker, "this test stops and starts the broker: it needs the fixture's own");
        using var ward = new Ward(broker, output, "outage");
        var simulator = Ward.Monitors(3, TimeSpan.FromMinutes(2), seed: 14);
        var expected = Ward.ExpectedWindows(simulator);
        var observations = ward.Collect(ward.Topics.Observations);

        await using var service = await ServiceProcess.StartAsync("service", ward.ServiceSettings(), output);
        var producing = ward.Produce(simulator, speed: 6);
        await UntilAsync(() => new PublishedObservations(observations.Messages).Resources >= expected.Count * 2 / 3, Patience, "a third of the Observations");

        await broker.StopBrokerAsync();
        try
        {
            // Readiness and the reachability gauge say so (probes every 2 s, two misses in a row).
            var ready = await ReadinessOnceNotReadyAsync(service, "the outage");
            Assert.Equal(503, ready.Status);
            Assert.Contains("unreachable", ready.Body);
            Assert.Equal(0, await service.MetricAsync("cgdmer_kafka_broker_reachable"));
            Assert.Equal((200, "ok"), await service.GetAsync("/healthz"));   // alive: it retries, no restart needed
            Assert.True(await service.MetricAsync("cgdmer_kafka_transport_errors_total") > 0);
        }
        finally
        {
            await broker.StartBrokerAsync();
        }
        Assert.Equal(0, (await producing).Failed);
        var published = await WaitForWindowsAsync(observations, expected, Patience, service);
        Report("outage", published, expected.Count);
        await UntilAsync(() => service.GetAsync("/readyz").Result.Status == 200, TimeSpan.FromSeconds(20), "ready again");
        Assert.Equal(1, await service.MetricAsync("cgdmer_kafka_broker_reachable"));
        Assert.Empty(published.DifferingDuplicates());
    }

    [Fact]
    public async Task Malformed_messages_are_dead_lettered_with_their_reason_and_the_stream_keeps_flowing()
    {
        using var ward = new Ward(broker, output, "bad-input");
        var faults = new SimulatorFaults
        {
            MalformedProbability = 0.08,
            OversizedBytes = 70_000,          // above the service's MaxSegmentBytes below, below the broker's message limit
            DuplicateProbability = 0.05,
            ReorderProbability = 0.05,
            ReorderMaxSegments = 1,
            JitterMs = 100,
            NoiseBurstProbability = 0.02,
        };
        var simulator = Ward.Monitors(3, TimeSpan.FromMinutes(1), seed: 15, faults);
        var plan = simulator.Messages().ToList();
        var expectedReasons = plan.Where(m => m.ExpectedDeadLetter is not null).Select(m => m.ExpectedDeadLetter!.Value.Reason).Order().ToList();
        Assert.True(expectedReasons.Distinct().Count() >= 5, $"the plan mixes in several kinds of bad message: {string.Join(", ", expectedReasons.Distinct())}");
        var expected = Ward.ExpectedWindows(simulator);
        var observations = ward.Collect(ward.Topics.Observations);
        var deadLetters = ward.Collect(ward.Topics.DeadLetter);

        await using var service = await ServiceProcess.StartAsync("service", ward.ServiceSettings("Kafka:MaxSegmentBytes=65536"), output);
        var produced = await ward.Produce(simulator, speed: null);
        Assert.Equal(0, produced.Failed);
        var published = await WaitForWindowsAsync(observations, expected, Patience, service);
        await UntilAsync(() => deadLetters.Count >= expectedReasons.Count, TimeSpan.FromSeconds(30), $"{expectedReasons.Count} dead letters");
        Report("bad input", published, expected.Count);

        var reasons = new List<string>();
        foreach (var (_, json) in deadLetters.Messages)
        {
            using var doc = JsonDocument.Parse(json);
            reasons.Add(doc.RootElement.GetProperty("reason").GetString()!);
            // Where it was read, so an operator can find the original message.
            var source = doc.RootElement.GetProperty("source");
            Assert.Equal(ward.Topics.Segments, source.GetProperty("topic").GetString());
            Assert.True(source.GetProperty("offset").GetInt64() >= 0);
        }
        output.WriteLine("dead letters: " + string.Join(", ", reasons.GroupBy(r => r).Select(g => $"{g.Key} {g.Count()}")));
        Assert.Equal(expectedReasons, reasons.Order().ToList());
        Assert.Empty(published.DifferingDuplicates());
    }

    [Fact]
    public async Task Producing_faster_than_the_service_keeps_its_memory_bounded_shows_lag_and_it_catches_up()
    {
        using var ward = new Ward(broker, output, "overload");
        // A backlog of eight minutes of 60 12-lead beds, sent as fast as the producer can: far more than the service
        // analyses per second on this machine (the test checks that it was at least twice as fast). Eight, because the
        // service's resident memory settles only after about 10,000 segments (the GC sizes its budgets, ONNX Runtime its
        // arena): with three minutes the half-way mark fell inside that warm-up, and the "second half" growth was the
        // warm-up finishing (0-33 MB). Measured with 12 minutes: flat at 365-397 MB from 5,000 to 43,200 segments.
        var simulator = Ward.Monitors(60, TimeSpan.FromMinutes(8), seed: 16);
        var expected = Ward.ExpectedWindows(simulator);
        var observations = ward.Collect(ward.Topics.Observations);
        // The consumer's prefetch is the one buffer in front of the pipeline: bound it (the default is 64 MB).
        await using var service = await ServiceProcess.StartAsync("service",
            ward.ServiceSettings("Kafka:Settings:queued.max.messages.kbytes=8192"), output);
        await Task.Delay(TimeSpan.FromSeconds(2));
        long baseline = service.ResidentBytes();

        var plan = simulator.Messages().ToList();   // synthesised up front: producing is then only sending
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var producing = ward.Produce(plan, speed: null);
        long segments = simulator.SegmentsPlanned;
        TimeSpan producedAt = default;
        long peakFirstHalf = baseline, peak = baseline;
        double maxLag = 0;
        var lagSeen = new List<double>();
        var residentByRead = new List<(double Read, long Rss)>();
        double read = 0, readWhenProduced = -1;
        while (read < segments)
        {
            long rss = service.ResidentBytes();
            peak = Math.Max(peak, rss);
            read = await service.MetricAsync("cgdmer_segments_received_total") ?? 0;
            if (read < segments / 2) peakFirstHalf = peak;
            double lag = await service.MetricAsync("cgdmer_kafka_consumer_lag_messages") ?? 0;
            maxLag = Math.Max(maxLag, lag);
            if (producing.IsCompleted && readWhenProduced < 0) { readWhenProduced = read; producedAt = watch.Elapsed; }
            lagSeen.Add(lag);
            residentByRead.Add((read, rss));
            Assert.False(service.HasExited, "the service exited under load");
            Assert.True(watch.Elapsed < Patience * 2, "the service did not catch up");
            await Task.Delay(500);
        }
        var produced = await producing;
        var drained = watch.Elapsed;
        var published = await WaitForWindowsAsync(observations, expected, Patience, service);
        Report("overload", published, expected.Count);

        long backlogBytes = produced.Delivered * 12 * 500 * 2;   // ≈ 12 leads × 500 samples × ~2 bytes (varint) each
        double producerRate = produced.Delivered / produced.Elapsed.TotalSeconds;
        // The service's capacity: how fast it read the rest once the producer had finished (it had the cores then).
        double serviceRate = (segments - readWhenProduced) / (drained - producedAt).TotalSeconds;
        output.WriteLine($"produced {produced.Delivered} segments (≈{backlogBytes / 1048576} MB) at {producerRate:F0}/s; the service had read {readWhenProduced:F0} by then and the rest at {serviceRate:F0}/s; all read after {drained.TotalSeconds:F1} s");
        output.WriteLine($"consumer lag: max {maxLag:F0} messages, last samples {string.Join(" ", lagSeen.TakeLast(5))}");
        output.WriteLine($"resident memory: {baseline / 1048576} MB at start, {peakFirstHalf / 1048576} MB peak in the first half of the backlog, {peak / 1048576} MB peak overall");
        // The trajectory, so that a failure shows whether memory crept all along (held input) or jumped once.
        output.WriteLine("resident memory by segments read: " + string.Join(", ",
            Enumerable.Range(0, 9).Select(i => residentByRead[i * (residentByRead.Count - 1) / 8])
                      .Select(s => $"{s.Read:F0}: {s.Rss / 1048576} MB")));

        Assert.True(producerRate >= 2 * serviceRate, $"not an overload: producer {producerRate:F0}/s vs service {serviceRate:F0}/s");
        // Visible: the lag gauge (sampled by the service every 2 s) showed most of the backlog waiting.
        Assert.True(maxLag >= produced.Delivered / 4, $"the lag ({maxLag}) should show the backlog ({produced.Delivered})");
        // Bounded: once warm (buffers, pools, the model's arena), memory stays flat while the second half of the backlog
        // goes through — it stays in Kafka, as lag, instead of in the service.
        Assert.True(peak - peakFirstHalf < backlogBytes / 8,
            $"memory grew by {(peak - peakFirstHalf) / 1048576} MB during the second half of a {backlogBytes / 1048576} MB backlog");
        Assert.Empty(published.DifferingDuplicates());
    }

    [Fact]
    public async Task A_FHIR_server_that_stops_answering_is_reported_in_readiness_and_metrics_and_loses_nothing()
    {
        using var ward = new Ward(broker, output, "fhir-outage");
        using var fhir = new FhirServerStub(failEvery: int.MaxValue);
        var simulator = Ward.Monitors(3, TimeSpan.FromMinutes(2), seed: 18);
        var expected = Ward.ExpectedWindows(simulator);
        var observations = ward.Collect(ward.Topics.Observations);

        // Retries enough to ride out the outage: exhausting them is fatal by design (a restart re-reads).
        await using var service = await ServiceProcess.StartAsync("service", ward.ServiceSettings(
            $"FhirServer:BaseUrl={fhir.BaseUrl}", "FhirServer:InitialBackoff=00:00:00.050", "FhirServer:MaxBackoff=00:00:00.500",
            "FhirServer:MaxRetries=1000"), output);
        var producing = ward.Produce(simulator, speed: 6);
        await UntilAsync(() => fhir.Resources.Count >= 10, Patience, "some Observations on the FHIR server");

        fhir.Down = true;
        try
        {
            var ready = await ReadinessOnceNotReadyAsync(service, "the FHIR outage");
            Assert.Equal(503, ready.Status);
            Assert.Contains("FHIR server not answering (503 for", ready.Body);
            Assert.Equal(0, await service.MetricAsync("cgdmer_fhir_server_answering"));
            Assert.Equal(1, await service.MetricAsync("cgdmer_kafka_broker_reachable"));   // the cause is named right
            Assert.Equal((200, "ok"), await service.GetAsync("/healthz"));   // alive: it retries, no restart needed
        }
        finally
        {
            fhir.Down = false;
        }
        Assert.Equal(0, (await producing).Failed);
        var published = await WaitForWindowsAsync(observations, expected, Patience, service);
        Report("FHIR outage", published, expected.Count);
        await UntilAsync(() => fhir.Resources.Count(kv => kv.Key.StartsWith("Observation/", StringComparison.Ordinal)) >= published.Resources,
                         TimeSpan.FromSeconds(30), "every Observation on the FHIR server");
        await UntilAsync(() => service.GetAsync("/readyz").Result.Status == 200, TimeSpan.FromSeconds(20), "ready again");
        Assert.Equal(1, await service.MetricAsync("cgdmer_fhir_server_answering"));
        output.WriteLine($"FHIR server: {fhir.Puts} PUTs accepted, {fhir.Refused} answered 503 (retried)");
        Assert.True(fhir.Refused > 0);
        Assert.Empty(published.DifferingDuplicates());
        Assert.False(service.HasExited);
    }

    [Fact]
    public async Task With_a_FHIR_server_configured_every_Observation_is_also_PUT_by_id_through_transient_errors()
    {
        using var ward = new Ward(broker, output, "fhir");
        using var fhir = new FhirServerStub(failEvery: 7);
        var simulator = Ward.Monitors(2, TimeSpan.FromMinutes(1), seed: 17);
        var expected = Ward.ExpectedWindows(simulator);
        var observations = ward.Collect(ward.Topics.Observations);

        await using var service = await ServiceProcess.StartAsync("service", ward.ServiceSettings(
            $"FhirServer:BaseUrl={fhir.BaseUrl}", "FhirServer:InitialBackoff=00:00:00.050", "FhirServer:MaxBackoff=00:00:00.500"), output);
        Assert.Equal(0, (await ward.Produce(simulator, speed: null)).Failed);
        var published = await WaitForWindowsAsync(observations, expected, Patience, service);
        await UntilAsync(() => fhir.Resources.Count(kv => kv.Key.StartsWith("Observation/", StringComparison.Ordinal)) >= published.Resources,
                         TimeSpan.FromSeconds(30), "every Observation on the FHIR server");
        output.WriteLine($"FHIR server: {fhir.Puts} PUTs accepted, {fhir.Refused} answered 503 (retried), {fhir.Resources.Count} resources");

        // The model's Device first (the Observations reference it), then the Observations, each the very JSON of its Kafka message.
        Assert.StartsWith("Device/", fhir.Order.First());
        foreach (var (_, json) in observations.Messages)
        {
            using var doc = System.Text.Json.JsonDocument.Parse(json);
            string id = doc.RootElement.GetProperty("id").GetString()!;
            Assert.True(fhir.Resources.TryGetValue("Observation/" + id, out var body), $"Observation/{id} not on the FHIR server");
            Assert.Equal(json, body);
        }
        // Each bedside monitor's Device is on the server before the first Observation that references it.
        var order = fhir.Order.ToList();
        var monitors = order.Where(r => r.StartsWith("Device/monitor-", StringComparison.Ordinal)).ToList();
        Assert.Equal(simulator.Monitors.Count, monitors.Count);
        foreach (var monitor in monitors)
        {
            int firstReference = order.FindIndex(r => r.StartsWith("Observation/", StringComparison.Ordinal)
                                                      && fhir.Resources[r].Contains(monitor, StringComparison.Ordinal));
            Assert.InRange(order.IndexOf(monitor), 0, firstReference);
        }
        Assert.True(fhir.Refused > 0, "some requests were refused transiently and retried");
        Assert.Empty(fhir.Problems);
        Assert.False(service.HasExited);
    }

    [Fact]
    public async Task With_an_HL7_receiver_a_service_killed_mid_stream_and_restarted_leaves_every_window_acknowledged_and_duplicates_identical()
    {
        using var ward = new Ward(broker, output, "hl7-crash");
        using var listener = new PythonMllpListener("ack");   // python-hl7's MLLP server: parses each message, answers AA
        var simulator = Ward.Monitors(3, TimeSpan.FromMinutes(2), seed: 23);
        var expected = Ward.ExpectedWindows(simulator);
        var observations = ward.Collect(ward.Topics.Observations);
        var settings = ward.ServiceSettings($"Hl7:Endpoint={listener.Endpoint}", "Hl7:InitialBackoff=00:00:00.050", "Hl7:MaxBackoff=00:00:00.500");
        int Pcd01() => listener.Received().Where(r => r.Kind.StartsWith("ORU^R01", StringComparison.Ordinal)).Select(r => r.ControlId).Distinct().Count();

        var first = await ServiceProcess.StartAsync("first", settings, output);
        var producing = ward.Produce(simulator, speed: 6);
        await UntilAsync(() => Pcd01() >= expected.Count * 2 / 5, Patience, "40 % of the windows' PCD-01 messages");
        await first.KillAsync();
        int beforeCrash = Pcd01();

        await using var second = await ServiceProcess.StartAsync("restarted", settings, output);
        Assert.Equal(0, (await producing).Failed);
        var published = await WaitForWindowsAsync(observations, expected, Patience, second);
        // Every window published on Kafka also reached the receiver as one PCD-01 (its control id is the window's).
        await UntilAsync(() => Pcd01() >= published.Windows, TimeSpan.FromSeconds(30), "a PCD-01 for every published window");
        var received = listener.Received();
        output.WriteLine($"HL7: {received.Count} messages received, {Pcd01()} distinct PCD-01 for {published.Windows} windows ({beforeCrash} before the SIGKILL), "
                         + $"{received.Count(r => r.Kind.StartsWith("ORU^R40", StringComparison.Ordinal))} PCD-04");
        Assert.Equal(published.Windows, Pcd01());
        Assert.InRange(beforeCrash, 1, published.Windows - 1);   // killed mid-stream
        // At least once: a message the first process sent again after the restart is the same bytes.
        Assert.All(received.GroupBy(r => r.ControlId), copies => Assert.Single(copies.Select(c => c.Sha256).Distinct()));
        Assert.Empty(published.DifferingDuplicates());
        await first.DisposeAsync();
    }
}
