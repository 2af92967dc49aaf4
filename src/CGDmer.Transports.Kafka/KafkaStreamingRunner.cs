using System.Reactive.Linq;
using CGDmer.Contracts.Telemetry.V1;
using CGDmer.Pipeline;
using CGDmer.Pipeline.Interpretation;
using CGDmer.Pipeline.Publishing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CGDmer.Transports.Kafka;

/// <summary>
/// The pipeline between Kafka topics, at-least-once: <see cref="KafkaSegmentSource"/> → the pipeline →
/// <see cref="KafkaPipelineSink"/>, with an <see cref="InputLedger"/> that stores a partition's offset only when every
/// output depending on the inputs before it was acknowledged (see the ledger for the watermark rule).
/// </summary>
/// <remarks>
/// <para><b>Unreadable messages</b> go straight to the dead-letter topic (they never enter the pipeline) and hold their
/// offset until the dead letter is acknowledged.</para>
/// <para><b>Rebalance:</b> a revoked partition's final watermark is stored (and committed by the source right after);
/// a lost one is forgotten. The pipeline keeps the windows it had open for those patients; their outputs are duplicates
/// of what the new owner publishes, with the same ids.</para>
/// <para><b>Graceful stop</b> (<see cref="StopAsync"/>): stop reading, let the pipeline flush the windows whose time has
/// elapsed, wait for their acknowledgements, store and commit, leave the group. What was held by unelapsed windows is
/// read again by the next owner.</para>
/// <para><b>Delivered-through marks</b> (with alert state kept): when partitions are revoked (a graceful stop, a
/// rebalance), each of their patients' last acknowledged window is stored with its alert state before they are released,
/// so that the next owner publishes none of the settled windows it re-reads behind a held one.</para>
/// <para><b>Failure:</b> an output Kafka refuses for good (after the producer's own retries) is fatal:
/// <see cref="Completion"/> faults, nothing after it is committed, and a restart reads it again.</para>
/// <para><b>A second acknowledged sink</b> (optional, e.g. a FHIR server): a published window counts as delivered only
/// when Kafka and that sink both acknowledged it, and a refusal there is fatal in the same way.</para>
/// <para><b>Alert state</b> (optional, <see cref="AlertCheckpoints"/>): when a window changes a patient's alert state, the
/// new state is stored in the alert-state topic once that window and every earlier window of the patient were
/// acknowledged, and the window's inputs are settled only after that. Whenever partitions are assigned, the topic is read
/// into <see cref="AlertCheckpoints"/>, where the pipeline's alert tracker takes each patient's state, and a window read
/// again that is not later than its patient's stored state was delivered already: it is settled without being published
/// again. So a restart or a rebalance neither leaves an alarm that never ends nor raises a second one for the same
/// episode.</para>
/// </remarks>
public sealed class KafkaStreamingRunner : IDisposable
{
    private readonly KafkaOptions _options;
    private readonly Func<IObservable<EcgSegment>, IObservable<PipelineOutput>> _pipeline;
    private readonly ILogger _log;
    private readonly KafkaTransportMetrics? _metrics;
    private readonly IAcknowledgedSink? _alsoPublish;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IDisposable? _partitionsSubscription, _pipelineSubscription;
    // Which partition each patient's segments come from (keyed by patient, so one partition per patient), and the
    // partitions this instance no longer owns: their patients' later outputs are dropped, not published (see OnPartitions).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, SourcePartition> _partitionOfPatient = new(StringComparer.Ordinal);
    private readonly HashSet<SourcePartition> _notOwned = [];
    private const int MaxTrackedPatients = 100_000;
    // Per patient, the delivery of its latest window (and, chained, of every earlier one): a checkpoint is stored only
    // after it, and the next checkpoint only after the previous one. Entries leave when their chain completes.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Task> _patientDeliveries = new(StringComparer.Ordinal);
    // Per patient, the latest window acknowledged with every earlier one (and their checkpoints), with the latest
    // checkpoint this instance stored up to it: what a revocation stores as the patient's delivered-through mark.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DeliveredWindow> _lastDelivered = new(StringComparer.Ordinal);
    private sealed record DeliveredWindow(DateTimeOffset Start, DateTimeOffset End, string DeviceId, SourcePartition? Partition, AlertCheckpoint? Stored);

    /// <summary>How long a revocation waits for the delivered-through marks of its patients to be acknowledged (a few
    /// small messages: a broker that is up takes milliseconds; past this the marks are left to the producer).</summary>
    public static readonly TimeSpan DeliveredMarksTimeout = TimeSpan.FromSeconds(2);
    private int _started, _stopping;

    /// <summary>How long the alert-state topic may take to read when partitions are assigned.</summary>
    public static readonly TimeSpan AlertStateLoadTimeout = TimeSpan.FromSeconds(30);

    /// <param name="pipeline">Composes the pipeline over the segments (e.g. <c>s => EcgPipeline.Run(s, clock, components)</c>).</param>
    /// <param name="alsoPublish">A second sink every output is also written to (the runner does not own it); its
    /// acknowledgement is waited for like Kafka's before the inputs are committed.</param>
    /// <param name="alertCheckpoints">Where the alert state read from the alert-state topic goes; the pipeline's
    /// tracker must take it from the same store (<c>EcgPipelineComponents.AlertCheckpoints</c>). Null: alert state is
    /// neither stored nor restored, so after a restart alarms start over, and a re-published window whose alarm state
    /// differs (an onset's EKG impression names its strip) is not the same resource.</param>
    public KafkaStreamingRunner(KafkaOptions options, Func<IObservable<EcgSegment>, IObservable<PipelineOutput>> pipeline,
                                KafkaTransportMetrics? metrics = null, ILoggerFactory? loggers = null,
                                IAcknowledgedSink? alsoPublish = null, AlertCheckpointStore? alertCheckpoints = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        AlertCheckpoints = alertCheckpoints;
        _options = options.Validate();
        _pipeline = pipeline ?? throw new ArgumentNullException(nameof(pipeline));
        _metrics = metrics;
        _alsoPublish = alsoPublish;
        loggers ??= NullLoggerFactory.Instance;
        _log = loggers.CreateLogger<KafkaStreamingRunner>();
        Source = new KafkaSegmentSource(options, loggers.CreateLogger<KafkaSegmentSource>());
        Sink = new KafkaPipelineSink(options, loggers.CreateLogger<KafkaPipelineSink>());
        Ledger = new InputLedger(position =>
        {
            if (Source.StoreOffset(position)) _metrics?.OffsetsStored.Inc();
        });
        Ledger.DeliveryFailed += error =>
        {
            if (_alsoPublish is not null && error is not KafkaDeliveryException)
            {
                // Refused by the second sink (its exception names what and why, never patient data).
                _log.OutputRefused(error.GetType().Name, error.Message);
                _completion.TrySetException(error);
                return;
            }
            _metrics?.DeliveryFailures.Inc();
            _log.OutputRefusedByKafka(error.Message);
            _completion.TrySetException(new KafkaDeliveryException(error.Message, error));
        };
    }

    public KafkaSegmentSource Source { get; }
    /// <summary>The alert state read at the last assignment, or null when the runner keeps none.</summary>
    public AlertCheckpointStore? AlertCheckpoints { get; }
    public KafkaPipelineSink Sink { get; }
    public InputLedger Ledger { get; }

    /// <summary>Completes when the pipeline has ended after <see cref="StopAsync"/>; faults when an output was refused or the source failed.</summary>
    public Task Completion => _completion.Task;

    /// <summary>Joins the consumer group and starts the pipeline.</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) != 0) throw new InvalidOperationException("the runner was started already");
        _partitionsSubscription = Source.Partitions.Subscribe(OnPartitions);
        var segments = Source.Segments
            .Do(consumed =>
            {
                if (consumed.Segment?.PatientId is not { Length: > 0 and <= 128 } patient) return;
                // Bounded: forgotten when the patient's state closes; a flood of ids that never make a window is cut off
                // here (an unknown patient counts as owned, the safe side for at-least-once).
                if (_partitionOfPatient.Count >= MaxTrackedPatients) _partitionOfPatient.Clear();
                _partitionOfPatient[patient] = SourcePartition.Of(consumed.Position);
            })
            .ToPipelineInput(Ledger, Sink, _metrics, Source);
        _pipelineSubscription = _pipeline(segments).Subscribe(
            Publish,
            error =>
            {
                _log.PipelineFailed(error.GetType().Name);
                _completion.TrySetException(error);
            },
            () => _completion.TrySetResult());
    }

    /// <summary>
    /// Graceful stop: stops reading, waits (up to <paramref name="timeout"/>) for the pipeline to flush and Kafka to
    /// acknowledge, then commits what is settled and leaves the group.
    /// </summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (Interlocked.Exchange(ref _stopping, 1) != 0) return;
        var deadline = DateTime.UtcNow + timeout;
        Source.StopReading();
        try { await _completion.Task.WaitAsync(timeout).ConfigureAwait(false); }
        catch (TimeoutException) { _log.DrainTimedOut(timeout); }
        catch (Exception) { /* reported where it happened */ }
        var left = deadline - DateTime.UtcNow;
        if (!Sink.Flush(left > TimeSpan.Zero ? left : TimeSpan.FromSeconds(1)))
            _log.PendingAtShutdown(Sink.Pending);
        if (_alsoPublish is not null)
        {
            left = deadline - DateTime.UtcNow;
            if (!await _alsoPublish.DrainAsync(left > TimeSpan.Zero ? left : TimeSpan.FromSeconds(1)).ConfigureAwait(false))
                _log.SecondSinkPendingAtShutdown();
        }
        // Acknowledgement continuations run on the pool; give them a moment to store the last watermarks.
        for (int i = 0; i < 50 && Ledger.PendingDeliveries > 0; i++) await Task.Delay(20).ConfigureAwait(false);
        Dispose();
    }

    /// <summary>
    /// Stores, for each patient of the <paramref name="released"/> partitions with a window acknowledged after its last
    /// stored checkpoint, that checkpoint's alert state (none: no codes) as of the window, while the partitions are still
    /// ours. The committed watermark is per partition, so the next owner re-reads settled windows of other patients behind
    /// the oldest held input; the mark lets it skip them (see <see cref="Publish"/>) instead of publishing them again
    /// computed from a later start (a beat stream that began mid-epoch), under the same ids with other content.
    /// </summary>
    private void StoreDeliveredMarks(IReadOnlyList<SourcePartition> released)
    {
        int stored = 0;
        foreach (var (patient, delivered) in _lastDelivered)
        {
            if (delivered.Partition is not { } partition || !released.Contains(partition)) continue;
            var state = Later(delivered.Stored, AlertCheckpoints!.Loaded(patient));
            _lastDelivered.TryRemove(patient, out _);
            if (state is not null && state.LastWindowStart >= delivered.Start) continue;
            _ = Sink.WriteAlertCheckpoint(AlertCheckpoint.DeliveredThrough(state, patient, delivered.Start, delivered.End, delivered.DeviceId));
            stored++;
        }
        if (stored == 0) return;
        _metrics?.DeliveredMarks.Inc(stored);
        _log.DeliveredMarksStored(stored, Sink.Flush(DeliveredMarksTimeout));

        static AlertCheckpoint? Later(AlertCheckpoint? a, AlertCheckpoint? b) =>
            a is null ? b : b is null || a.LastWindowStart >= b.LastWindowStart ? a : b;
    }

    /// <summary>Leaves the group (committing what was stored) and releases the clients. Not graceful: use <see cref="StopAsync"/>.</summary>
    public void Dispose()
    {
        _pipelineSubscription?.Dispose();
        // Commits the stored offsets, then leaves the group: the revocation this raises stores the delivered-through
        // marks, so the partition events are still listened to.
        Source.Dispose();
        _partitionsSubscription?.Dispose();
        Sink.Dispose();
    }

    // A revoked or lost partition's patients now belong to another instance, which re-reads them from the committed
    // watermark and publishes their windows. The windows this instance still holds open for them would come out later
    // as partial windows (flushed on silence) under the same ids as the new owner's complete ones, so they are dropped.
    private void OnPartitions(PartitionEvent e)
    {
        lock (_notOwned)
        {
            if (e.Change == PartitionChange.Assigned) _notOwned.ExceptWith(e.Partitions);
            else _notOwned.UnionWith(e.Partitions);
        }
        switch (e.Change)
        {
            case PartitionChange.Assigned: LoadAlertState(); break;
            case PartitionChange.Revoked:
                if (AlertCheckpoints is not null) StoreDeliveredMarks(e.Partitions);
                Ledger.Revoke(e.Partitions);
                break;
            case PartitionChange.Lost: Ledger.Lose(e.Partitions); break;
        }
        _metrics?.Rebalances.WithLabels(e.Change.ToString().ToLowerInvariant()).Inc();
    }

    // On the consume thread, before the assigned partitions' first segment: their patients' alerts go on from here.
    private void LoadAlertState()
    {
        if (AlertCheckpoints is null) return;
        try
        {
            var loaded = AlertCheckpointLoader.Load(_options, AlertStateLoadTimeout, out int unreadable, out bool complete, _log);
            AlertCheckpoints.Load(loaded);
            _log.AlertStateLoaded(loaded.Count, unreadable, complete);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // On the consume thread: nothing may escape. Without the state the service still analyses and alarms; alerts
            // that were active start over.
            _log.AlertStateNotLoaded(e is Confluent.Kafka.KafkaException k ? k.Error.Code.ToString() : e.GetType().Name);
        }
    }

    private bool Owned(string patientId)
    {
        if (!_partitionOfPatient.TryGetValue(patientId, out var partition)) return true;
        lock (_notOwned) return _notOwned.Count == 0 || !_notOwned.Contains(partition);
    }

    private void Publish(PipelineOutput output)
    {
        try
        {
            if (output.Published is { } window && !Owned(window.PatientId))
            {
                _metrics?.DroppedNotOwned.Inc();
                // Not published, but the ledger still sees it arrive, so a later closing of this patient's state does
                // not wait for it forever (what it settles belongs to the revoked partition: nothing is stored for it).
                Ledger.Track(output, null);
                return;
            }
            if (output.Published is { } again && AlertCheckpoints?.DeliveredThrough(again.PatientId) is { } through
                && again.Window.Start <= through)
            {
                // Read again after a restart, and acknowledged before the patient's alert state was stored: delivered.
                _metrics?.AlreadyDelivered.Inc();
                Ledger.Track(output, Task.CompletedTask);
                return;
            }
            Task? delivery = null;
            if (!output.IsSettlementOnly)
            {
                SourcePosition? position = output.Rejected is { } r ? Ledger.PositionOf(r.InputOrdinal) : null;
                Task written = Sink.Write(output, Source.Now, position).AsAcknowledgement();
                // Both is null only when neither side wrote anything; Kafka always did here.
                if (_alsoPublish is not null) written = Acknowledgements.Both(written, _alsoPublish.Write(output)) ?? written;
                if (AlertCheckpoints is not null && output.Published is { } published) written = AfterEarlierWindows(published, written);
                delivery = written;
            }
            Ledger.Track(output, delivery);
            if (output.Closed is { } closed) _partitionOfPatient.TryRemove(closed.PatientId, out _);
        }
        catch (Exception e)
        {
            // A sink that cannot even take the output (disposed, a bug): fatal, like a refused delivery.
            _log.PublishingFailed(e.GetType().Name);
            _completion.TrySetException(e);
        }
    }

    // The window's delivery joined to its patient's earlier ones, then its alert checkpoint (if it changed one) stored:
    // what the ledger waits for before settling the window's inputs.
    private Task AfterEarlierWindows(PublishedWindow window, Task delivery)
    {
        string patient = window.PatientId;
        var earlier = _patientDeliveries.TryGetValue(patient, out var previous) ? previous : null;
        var all = earlier is null || earlier.IsCompletedSuccessfully ? delivery : Task.WhenAll(earlier, delivery);
        // On the pool, not inline: the acknowledgement may complete on librdkafka's delivery-report thread, and a produce
        // that waits for room in a full queue there would wait for that very thread.
        var update = window.Interpreted.Checkpoint;
        if (update is not null)
            all = all.ContinueWith(t => t.IsCompletedSuccessfully ? Sink.WriteAlertCheckpoint(update).AsAcknowledgement() : t,
                                   CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
        // Remembered before the ledger settles the window's inputs, so a stop that waited for the ledger marks it.
        var acknowledged = new DeliveredWindow(window.Window.Start, window.Window.End, window.Window.DeviceId,
                                               _partitionOfPatient.TryGetValue(patient, out var partition) ? partition : null, update);
        all = all.ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully) RememberDelivered(patient, acknowledged);
            return t;
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).Unwrap();
        _patientDeliveries[patient] = all;
        _ = all.ContinueWith(t => _patientDeliveries.TryRemove(new KeyValuePair<string, Task>(patient, t)),
                             CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return all;
    }

    // Part of the patient's delivery chain, so a patient's windows are remembered in order (one writer per patient).
    private void RememberDelivered(string patient, DeliveredWindow window)
    {
        // Bounded like the partition map: past the cap the marks start over (a revocation then marks fewer patients).
        if (_lastDelivered.Count >= MaxTrackedPatients) _lastDelivered.Clear();
        _lastDelivered.TryGetValue(patient, out var earlier);
        if (earlier is not null && earlier.Start >= window.Start) return;
        _lastDelivered[patient] = window.Stored is null && earlier is not null ? window with { Stored = earlier.Stored } : window;
    }
}

/// <summary>Kafka refused an output for good (after the producer's retries): the service stops instead of losing it.</summary>
public sealed class KafkaDeliveryException(string message, Exception inner) : Exception(message, inner);

/// <summary>Kafka-side helpers of the runner.</summary>
public static class KafkaPipelineInput
{
    /// <summary>
    /// The readable segments, each recorded in the ledger just before it enters the pipeline (so the ledger's ordinals
    /// are the pipeline's); unreadable messages are dead-lettered here and settled when the dead letter is acknowledged.
    /// </summary>
    public static IObservable<EcgSegment> ToPipelineInput(this IObservable<ConsumedSegment> source, InputLedger ledger,
                                                          KafkaPipelineSink sink, KafkaTransportMetrics? metrics = null,
                                                          KafkaSegmentSource? clock = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(sink);
        return Observable.Create<EcgSegment>(observer => source.Subscribe(
            consumed =>
            {
                if (consumed.Segment is { } segment)
                {
                    ledger.ReadForPipeline(consumed.Position, segment.PatientId ?? "");
                    observer.OnNext(segment);
                    return;
                }
                metrics?.Unreadable.WithLabels(consumed.Unreadable!.Reason).Inc();
                var settle = ledger.ReadAside(consumed.Position);
                var delivered = sink.WriteUnreadable(consumed, clock?.Now ?? DateTimeOffset.UtcNow).AsAcknowledgement();
                ledger.TrackAside(settle, delivered);
            },
            observer.OnError,
            observer.OnCompleted));
    }

    /// <summary>A task that completes when every message of the output was acknowledged and faults when one was refused.</summary>
    public static Task AsAcknowledgement(this Task<DeliveryOutcome> delivery) =>
        delivery.ContinueWith(t =>
        {
            var outcome = t.Result;
            if (!outcome.Acknowledged)
                throw new KafkaDeliveryException($"{outcome.Failed} of {outcome.Messages} messages refused ({outcome.FirstError})", new InvalidOperationException(outcome.FirstError));
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
