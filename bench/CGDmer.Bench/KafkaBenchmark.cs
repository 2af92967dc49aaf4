using CGDmer.Streaming.Host;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reactive.Concurrency;
using System.Reactive.Linq;
using CGDmer.Contracts.Telemetry.V1;
using CGDmer.Pipeline;
using CGDmer.Signal.Synthesis;
using CGDmer.Transports.Kafka;
using CGDmer.Transports.Replay;
using CGDmer.Simulation;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace CGDmer.Bench;

/// <summary>The broker backlog a throughput run drains.</summary>
/// <param name="Segments">Segment messages the broker acknowledged.</param>
/// <param name="Bytes">Their payload bytes (protobuf values, no keys or framing).</param>
/// <param name="Failed">Messages the broker did not acknowledge (a failed backlog invalidates the run).</param>
public sealed record KafkaBacklog(int Beds, double Minutes, long Segments, long Bytes, long Failed, double ProduceSeconds)
{
    public double MeanSegmentBytes => Segments > 0 ? Bytes / (double)Segments : 0;
}

/// <summary>
/// Steady rates of one instance draining a backlog, measured between the moments 10 % and 90 % of the backlog had been
/// consumed (group join, JIT and the final flush excluded).
/// </summary>
public sealed record KafkaThroughput(
    double SegmentsPerSecond, double WindowsPerSecond, double MegabytesPerSecondIn, double MessagesAcknowledgedPerSecond,
    double ObservationsPerWindow, double MeasuredSeconds, long SegmentsConsumed, long WindowsPublished, double DrainSeconds);

/// <summary>One real-time run: K beds paced at 1× real time for a while, the service keeping up or not.</summary>
/// <param name="KeptUp">The unread backlog did not grow over the second half of the run (trend ≤ 2 % of the beds' rate) and the producer kept its pace.</param>
/// <param name="BacklogMiddle">Mean of segments acknowledged by the broker but not yet read by the service, 40–60 % of the run.</param>
/// <param name="BacklogEnd">The same over the last 20 % of the run.</param>
/// <param name="BacklogGrowthPerSecond">Least-squares trend of that backlog over the second half of the run (segments/s).</param>
/// <param name="BacklogEndSeconds">The end backlog in seconds of the beds' data: about how long a segment waited in the broker.</param>
/// <param name="ProducerMaxLagSeconds">How far the simulated monitors fell behind real time (a saturated machine shows here).</param>
/// <param name="EmittedP50Ms">Window completion (its last sample's segment entered the pipeline) → its output emitted to the Kafka sink.</param>
/// <param name="AcknowledgedP50Ms">Window completion → every message of its output acknowledged by Kafka (acks=all).</param>
public sealed record KafkaRealTimeRun(
    int Beds, double Seconds, bool KeptUp, double BacklogMiddle, double BacklogEnd, double BacklogGrowthPerSecond, double BacklogEndSeconds, long BrokerLagEnd, double ProducerMaxLagSeconds,
    long SegmentsProduced, long SegmentsConsumed, int Windows,
    double EmittedP50Ms, double EmittedP99Ms, double AcknowledgedP50Ms, double AcknowledgedP99Ms, string Verdict);

/// <summary>
/// The measurement core of <c>cgdmer-bench kafka</c>: produces simulated 12-lead beds to a broker and runs one in-process
/// <see cref="KafkaStreamingRunner"/> (the components of <c>run</c>) against them. Every run uses fresh topics and a
/// fresh consumer group (a prefix unique to this benchmark), so it never reads or writes a deployment's topics.
/// </summary>
public sealed class KafkaBenchmark
{
    /// <summary>Distinct synthetic patients the beds play (bed i plays patient i mod this, with its own ids and clock).</summary>
    /// <remarks>
    /// Synthesising ECG costs far more CPU than sending it; on a small machine a producer that synthesises every bed
    /// live would steal the cores the service is measured on. A few 60 s patients looped keep the producer cheap while
    /// every bed is still a separate monitor (own patient id, device id, sequence numbers and start time).
    /// </remarks>
    public const int DistinctPatients = 8;

    private readonly Func<IObservable<EcgSegment>, IObservable<PipelineOutput>> _pipeline;
    private readonly KafkaOptions _broker;
    private readonly double _hopSeconds;
    private readonly ILoggerFactory _loggers;
    private readonly Action<string> _progress;
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private readonly Dictionary<int, MonitorSignal> _patients = [];

    /// <param name="pipeline">Composes the pipeline over the segments for a runner (fresh components per call).</param>
    /// <param name="broker">The broker and client settings; topics and group are replaced by fresh ones per run.</param>
    /// <param name="hopSeconds">The window hop: a bed yields one window per hop.</param>
    public KafkaBenchmark(Func<IObservable<EcgSegment>, IObservable<PipelineOutput>> pipeline,
                          KafkaOptions broker, double hopSeconds, ILoggerFactory loggers, Action<string>? progress = null)
    {
        _pipeline = pipeline ?? throw new ArgumentNullException(nameof(pipeline));
        _broker = broker ?? throw new ArgumentNullException(nameof(broker));
        _hopSeconds = hopSeconds > 0 ? hopSeconds : throw new ArgumentOutOfRangeException(nameof(hopSeconds), hopSeconds, "must be > 0");
        _loggers = loggers ?? throw new ArgumentNullException(nameof(loggers));
        _progress = progress ?? (_ => { });
    }

    public double HopSeconds => _hopSeconds;

    /// <summary>Beds one instance keeps up with at these rates: the tighter of segments and windows (1 segment per segment length, 1 window per hop).</summary>
    public int BedsAtCapacity(KafkaThroughput t, double segmentSeconds) =>
        (int)Math.Floor(Math.Min(t.SegmentsPerSecond * segmentSeconds, t.WindowsPerSecond * _hopSeconds));

    /// <summary>Throughput: a backlog of <paramref name="beds"/> × <paramref name="minutes"/> produced as fast as possible, then drained by one instance.</summary>
    public (KafkaBacklog Backlog, KafkaThroughput Throughput) Throughput(int beds, double minutes, double segmentSeconds, TimeSpan drainTimeout)
    {
        var options = Fresh("drain");
        EnsureTopics(options);
        var duration = TimeSpan.FromMinutes(minutes);
        // Recorded just before now, as `simulate --as-fast-as-possible` does: the service never sees segments from the future.
        var simulator = new BedsideSimulator(Settings(DateTimeOffset.UtcNow - duration, duration, segmentSeconds, "bench"), Signals(beds));
        long bytes = 0;
        ProduceReport report;
        using (var producer = new KafkaSegmentProducer(options))
            report = producer.Send(simulator.Messages().Select(m => { bytes += m.Value.Length; return m; }));
        var backlog = new KafkaBacklog(beds, minutes, report.Delivered, bytes, report.Failed, report.Elapsed.TotalSeconds);
        _progress($"backlog: {backlog.Segments} segments ({bytes / 1e6:F0} MB) of {beds} beds × {minutes:0.##} min produced in {report.Elapsed.TotalSeconds:F1} s");
        if (report.Failed > 0 || report.Delivered == 0)
            throw new InvalidOperationException($"the broker did not take the backlog: {report.Failed} of {report.Produced} segments failed ({string.Join(", ", report.FailuresByCode.Keys)})");

        long windows = 0, observations = 0;
        using var runner = new KafkaStreamingRunner(options, s => _pipeline(s).Do(o =>
        {
            if (o.Published is not { } p) return;
            Interlocked.Increment(ref windows);
            Interlocked.Add(ref observations, p.Observations.Count);
        }), null, _loggers);
        // Sampled every 20 ms: the crossings of 10 % and 90 % are interpolated between two samples.
        var samples = new List<(double T, long Consumed, long Windows, long Delivered)>();
        var clock = Stopwatch.StartNew();
        runner.Start();
        long total = backlog.Segments;
        while (clock.Elapsed < drainTimeout && !runner.Completion.IsCompleted)
        {
            samples.Add((clock.Elapsed.TotalSeconds, runner.Source.Consumed, Interlocked.Read(ref windows), runner.Sink.Delivered));
            if (runner.Source.Consumed >= total) break;
            Thread.Sleep(20);
        }
        double drainSeconds = clock.Elapsed.TotalSeconds;
        if (runner.Completion.IsFaulted) throw new InvalidOperationException($"the service failed during the drain: {runner.Completion.Exception!.InnerException?.Message}");
        runner.StopAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
        long consumed = samples[^1].Consumed;
        if (consumed < total * 0.9)
            throw new InvalidOperationException($"the service read only {consumed} of {total} segments in {drainTimeout.TotalSeconds:F0} s; raise the drain time or lower --beds/--minutes");

        var (t10, w10, d10) = Crossing(samples, total * 0.10);
        var (t90, w90, d90) = Crossing(samples, total * 0.90);
        double span = Math.Max(t90 - t10, 1e-3);
        double segmentsPerSecond = 0.8 * total / span;
        var throughput = new KafkaThroughput(
            segmentsPerSecond, (w90 - w10) / span, segmentsPerSecond * backlog.MeanSegmentBytes / 1e6, (d90 - d10) / span,
            Interlocked.Read(ref windows) > 0 ? Interlocked.Read(ref observations) / (double)Interlocked.Read(ref windows) : 0,
            span, consumed, Interlocked.Read(ref windows), drainSeconds);
        _progress($"drain: {consumed} segments read in {drainSeconds:F1} s; steady 10–90 % over {span:F1} s");
        return (backlog, throughput);
    }

    /// <summary>
    /// <paramref name="beds"/> monitors paced at real time for <paramref name="seconds"/>, against one instance. Latencies
    /// are of the windows completed after the first 20 % of the run (start-up excluded) and before the monitors stopped.
    /// </summary>
    public KafkaRealTimeRun RealTime(int beds, double seconds, double segmentSeconds)
    {
        var options = Fresh($"rt{beds}");
        EnsureTopics(options);
        var signals = Signals(beds);
        var emitted = new ConcurrentBag<double>();
        var acknowledged = new ConcurrentBag<double>();
        var pendingAcks = new ConcurrentQueue<(long Target, long Completed)>();
        int measuring = 0;
        KafkaStreamingRunner? runner = null;
        var pipeline = (IObservable<EcgSegment> s) => _pipeline(s).Do(o =>
        {
            if (Volatile.Read(ref measuring) == 0 || o.Published is not { } p || !p.Window.IsAnalyzable) return;
            emitted.Add(Stopwatch.GetElapsedTime(p.Window.CompletedTimestamp).TotalMilliseconds);
            // The runner writes this output to the sink right after this callback, on this thread: its messages are the
            // sink's next ones. Acknowledged when the sink's settled count reaches them (see AckWatcher).
            int messages = p.Observations.Count + p.Alerts.Count + (o.Rejected?.Rejection is null ? 0 : 1);
            if (messages > 0) pendingAcks.Enqueue((runner!.Sink.Produced + messages, p.Window.CompletedTimestamp));
        });
        runner = new KafkaStreamingRunner(options, pipeline, null, _loggers);
        using var assigned = new ManualResetEventSlim();
        using var _ = runner.Source.Partitions.Where(e => e.Change == PartitionChange.Assigned && e.Partitions.Count > 0).Subscribe(_ => assigned.Set());
        try
        {
            runner.Start();
            if (!assigned.Wait(TimeSpan.FromSeconds(60)))
                throw new InvalidOperationException("the service got no partitions of the segment topic within 60 s");

            var duration = TimeSpan.FromSeconds(seconds);
            var simulator = new BedsideSimulator(Settings(DateTimeOffset.UtcNow, duration, segmentSeconds, "rt"), signals);
            using var producer = new KafkaSegmentProducer(options);
            using var stop = new CancellationTokenSource();
            var send = Task.Factory.StartNew(() => producer.Send(simulator.Messages(), 1.0, stop.Token), TaskCreationOptions.LongRunning);
            using var watcher = new AckWatcher(runner.Sink, pendingAcks, acknowledged);

            var backlog = new List<(double T, long Unread)>();
            var clock = Stopwatch.StartNew();
            long brokerLag = 0;
            while (!send.IsCompleted && !runner.Completion.IsCompleted)
            {
                double t = clock.Elapsed.TotalSeconds;
                if (t >= 0.2 * seconds) Volatile.Write(ref measuring, 1);
                backlog.Add((t, Math.Max(0, producer.Delivered - runner.Source.Consumed)));
                brokerLag = runner.Source.Lag().Sum(l => l.Lag);
                send.Wait(TimeSpan.FromMilliseconds(500));
            }
            Volatile.Write(ref measuring, 0);
            if (runner.Completion.IsFaulted)
            {
                // Let the producer thread leave its loop before the producer is disposed under it.
                stop.Cancel();
                try { send.Wait(TimeSpan.FromSeconds(10)); } catch (AggregateException) { /* the service failure is what is reported */ }
                throw new InvalidOperationException($"the service failed during the real-time run: {runner.Completion.Exception!.InnerException?.Message}");
            }
            var report = send.Result;
            runner.StopAsync(TimeSpan.FromSeconds(20)).GetAwaiter().GetResult();
            watcher.Drain(TimeSpan.FromSeconds(2));

            double Mean(double from, double to)
            {
                var xs = backlog.Where(b => b.T >= from * seconds && b.T <= to * seconds).Select(b => (double)b.Unread).ToList();
                return xs.Count > 0 ? xs.Average() : double.NaN;
            }
            double middle = Mean(0.4, 0.6), end = Mean(0.8, 1.0);
            // The trend of the unread backlog over the second half (least squares): a service that keeps up reads as
            // fast as the beds send, so the backlog only swings around a level. Kept up: it grew by at most 2 % of the
            // beds' rate (sampling noise, the last segments in flight), and the monitors themselves kept real time.
            double perSecond = beds / segmentSeconds;
            double growth = Slope(backlog.Where(b => b.T >= 0.4 * seconds).ToList());
            bool backlogBounded = !(growth > 0.02 * perSecond);
            bool producerOnTime = report.MaxLag < TimeSpan.FromSeconds(2);
            string verdict = !producerOnTime ? $"not kept up: the simulated monitors fell {report.MaxLag.TotalSeconds:F1} s behind real time (machine saturated)"
                : !backlogBounded ? $"not kept up: unread backlog grew {growth:F0} segments/s ({100 * growth / perSecond:F1} % of the beds' rate)"
                : "kept up";
            var e = emitted.Order().ToList();
            var a = acknowledged.Order().ToList();
            var result = new KafkaRealTimeRun(beds, seconds, backlogBounded && producerOnTime, middle, end, growth, end / perSecond, brokerLag, report.MaxLag.TotalSeconds,
                report.Delivered, runner.Source.Consumed, e.Count, Percentile(e, 0.50), Percentile(e, 0.99), Percentile(a, 0.50), Percentile(a, 0.99), verdict);
            _progress($"real time, {beds} beds × {seconds:F0} s: {verdict}; unread backlog middle {middle:F0}, end {end:F0} segments ({end / perSecond:F2} s of data), trend {growth:+0;-0} segments/s; p50/p99 emitted {result.EmittedP50Ms:F0}/{result.EmittedP99Ms:F0} ms, acknowledged {result.AcknowledgedP50Ms:F0}/{result.AcknowledgedP99Ms:F0} ms");
            return result;
        }
        finally { runner.Dispose(); }
    }

    private static double Slope(List<(double T, long Unread)> points)
    {
        if (points.Count < 2) return double.NaN;
        double mt = points.Average(p => p.T), mu = points.Average(p => (double)p.Unread);
        double num = points.Sum(p => (p.T - mt) * (p.Unread - mu)), den = points.Sum(p => (p.T - mt) * (p.T - mt));
        return den > 0 ? num / den : 0;
    }

    private static double Percentile(List<double> sorted, double q) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)(q * sorted.Count))];

    /// <summary>Time, windows and deliveries when the consumed count crossed <paramref name="target"/> (linear between samples).</summary>
    private static (double T, double Windows, double Delivered) Crossing(List<(double T, long Consumed, long Windows, long Delivered)> samples, double target)
    {
        for (int i = 1; i < samples.Count; i++)
        {
            var (a, b) = (samples[i - 1], samples[i]);
            if (b.Consumed < target) continue;
            double f = b.Consumed == a.Consumed ? 1 : (target - a.Consumed) / (b.Consumed - a.Consumed);
            return (a.T + f * (b.T - a.T), a.Windows + f * (b.Windows - a.Windows), a.Delivered + f * (b.Delivered - a.Delivered));
        }
        var last = samples[^1];
        return (last.T, last.Windows, last.Delivered);
    }

    private SimulationSettings Settings(DateTimeOffset start, TimeSpan duration, double segmentSeconds, string prefix) => new()
    {
        Seed = 7, Start = start, Duration = duration, SegmentSeconds = segmentSeconds, IdPrefix = $"{prefix}-{_run}",
    };

    private List<MonitorSignal> Signals(int beds)
    {
        var distinct = Enumerable.Range(0, Math.Min(beds, DistinctPatients)).Select(Patient).ToList();
        return Enumerable.Range(0, beds).Select(i => distinct[i % distinct.Count]).ToList();
    }

    private MonitorSignal Patient(int i)
    {
        lock (_patients)
        {
            if (_patients.TryGetValue(i, out var cached)) return cached;
            // 60 s = the simulator's chunk: each chunk is the recording itself, no copy.
            var ecg = new DatasetSampler(new ConditionMix(), BedsideSimulator.ChunkSeconds, 500).Generate(1000 + i);
            var signal = MonitorSignal.FromRecording(SyntheticRecording.From(ecg, $"synthetic-{1000 + i}"));
            _patients[i] = signal;
            return signal;
        }
    }

    /// <summary>The configured broker and client settings with this run's own topics and group.</summary>
    private KafkaOptions Fresh(string tag)
    {
        string prefix = $"cgdmer-bench-{_run}-{tag}";
        return new KafkaOptions
        {
            BootstrapServers = _broker.BootstrapServers,
            ClientId = _broker.ClientId,
            GroupId = prefix,
            Topics = new KafkaTopicOptions
            {
                Segments = $"{prefix}.segments", Observations = $"{prefix}.observations", Alerts = $"{prefix}.alerts", DeadLetter = $"{prefix}.dead-letter",
            },
            Settings = new Dictionary<string, string>(_broker.Settings, StringComparer.Ordinal),
            CommitInterval = _broker.CommitInterval,
            PollTimeout = _broker.PollTimeout,
            MaxSegmentBytes = _broker.MaxSegmentBytes,
            MaxDeadLetterPayloadBytes = _broker.MaxDeadLetterPayloadBytes,
            FlushTimeout = _broker.FlushTimeout,
        }.Validate();
    }

    /// <summary>
    /// Creates the run's topics before anything uses them (a metadata request auto-creates a topic on brokers that allow
    /// it), so the consumer's first assignment already has the segment topic's partitions.
    /// </summary>
    private static void EnsureTopics(KafkaOptions options)
    {
        using var admin = new AdminClientBuilder(options.ToProducerConfig()).SetLogHandler((_, _) => { }).Build();
        string[] topics = [options.Topics.Segments, options.Topics.Observations, options.Topics.Alerts, options.Topics.DeadLetter];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        foreach (var topic in topics)
            while (true)
            {
                try
                {
                    var meta = admin.GetMetadata(topic, TimeSpan.FromSeconds(5)).Topics.FirstOrDefault(t => t.Topic == topic);
                    if (meta is { Error.IsError: false, Partitions.Count: > 0 } && meta.Partitions.All(p => p.Leader >= 0)) break;
                }
                catch (KafkaException) when (DateTime.UtcNow < deadline) { }
                if (DateTime.UtcNow >= deadline) throw new InvalidOperationException($"the broker did not create topic {topic} within 30 s (is auto-creation on?)");
                Thread.Sleep(200);
            }
    }

    /// <summary>
    /// Turns the sink's settled-message count into per-output acknowledgement times. The runner hands outputs to the
    /// sink one at a time, so an output is acknowledged once as many messages as were produced up to and including it
    /// are settled. Exact when acknowledgements come back in produce order (one request in flight, as with the legacy
    /// broker); otherwise early by at most the spread of the requests in flight.
    /// </summary>
    private sealed class AckWatcher : IDisposable
    {
        private readonly KafkaPipelineSink _sink;
        private readonly ConcurrentQueue<(long Target, long Completed)> _pending;
        private readonly ConcurrentBag<double> _latencies;
        private readonly Thread _thread;
        private volatile bool _stop;

        public AckWatcher(KafkaPipelineSink sink, ConcurrentQueue<(long, long)> pending, ConcurrentBag<double> latencies)
        {
            (_sink, _pending, _latencies) = (sink, pending, latencies);
            _thread = new Thread(() => { while (!_stop) { Poll(); Thread.Sleep(1); } }) { IsBackground = true, Name = "bench-ack-watcher" };
            _thread.Start();
        }

        private void Poll()
        {
            long settled;
            try { settled = _sink.Delivered + _sink.Failed; }
            catch (ObjectDisposedException) { return; }
            while (_pending.TryPeek(out var head) && head.Target <= settled && _pending.TryDequeue(out head))
                _latencies.Add(Stopwatch.GetElapsedTime(head.Completed).TotalMilliseconds);
        }

        /// <summary>Stops watching once every tracked output is settled (or after <paramref name="timeout"/>).</summary>
        public void Drain(TimeSpan timeout)
        {
            var until = DateTime.UtcNow + timeout;
            while (!_pending.IsEmpty && DateTime.UtcNow < until) Thread.Sleep(5);
            Dispose();
        }

        public void Dispose()
        {
            _stop = true;
            if (Thread.CurrentThread != _thread) _thread.Join();
        }
    }
}
