using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Threading.Channels;
using CGDmer.Pipeline;
using CGDmer.Transports.Hl7.Pcd;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CGDmer.Transports.Hl7.Mllp;

/// <summary>
/// Sends the pipeline's PCD-01 and PCD-04 messages to an HL7 receiver over MLLP (optionally TLS), one at a time in the
/// order written, each acknowledged before the next (HL7 original and enhanced acknowledgement modes both work).
/// </summary>
/// <remarks>
/// <para><b>Acknowledgement.</b> A write's task completes when the receiver accepted every message of the output (AA or
/// CA) and faults with <see cref="Hl7DeliveryException"/> when one was refused (AE, AR, CE, CR: not retried, as a refused
/// FHIR write) or was not acknowledged after <see cref="Hl7Options.MaxRetries"/> retries.</para>
/// <para><b>Retries.</b> No connection, a connection dropped before the acknowledgement, no acknowledgement within
/// <see cref="Hl7Options.AckTimeout"/>, or one that is not for the message sent: the connection is closed and the same
/// message (same bytes, same control id) is sent again on a new one after an exponential back-off with jitter. A
/// receiver may therefore see a message twice (at least once); MSH-10 lets it drop the copy. Once a message fails after
/// every retry, the messages queued behind it fail at once: the transport stops at the first failure.</para>
/// <para><b>Back-pressure.</b> At most <see cref="Hl7Options.MaxInFlight"/> messages are unacknowledged; writing blocks
/// the caller until one is, so a slow receiver slows the pipeline instead of queuing without bound.</para>
/// Thread-safe.
/// </remarks>
public sealed class Hl7MllpSink : IAcknowledgedSink, IDisposable
{
    private readonly Hl7Options _options;
    private readonly PcdMessageEncoder _encoder;
    private readonly (string Host, int Port) _endpoint;
    private readonly Hl7SinkMetrics? _metrics;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly Channel<Queued> _queue = Channel.CreateUnbounded<Queued>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _slots;
    private readonly System.Security.Cryptography.X509Certificates.X509Certificate2Collection _trusted;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _sender;
    // Set once a message failed after every retry; from then on, queued messages fail at once (read by the sender only).
    private string? _exhausted;
    private long _pending, _accepted, _failed, _retries;
    private readonly AnsweringTracker _answering;
    private int _disposed;

    private sealed record Queued(Hl7Message Message, byte[] Frame, TaskCompletionSource Done, long HandedAt);

    public Hl7MllpSink(Hl7Options options, Hl7SinkMetrics? metrics = null, ILogger? log = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Validate();
        if (!options.HasEndpoint()) throw new ArgumentException($"{Hl7Options.SectionName}:{nameof(Hl7Options.Endpoint)} is not set", nameof(options));
        _endpoint = options.GetEndpoint();
        _encoder = new PcdMessageEncoder(options);
        _metrics = metrics;
        _log = log ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        _answering = new AnsweringTracker(_time);
        _slots = new SemaphoreSlim(options.MaxInFlight, options.MaxInFlight);
        _trusted = options.LoadTrustedCertificates();
        _sender = Task.Run(SendLoop);
    }

    /// <summary>Messages handed over and not yet settled.</summary>
    public long Pending => Interlocked.Read(ref _pending);
    /// <summary>Messages the receiver accepted.</summary>
    public long Accepted => Interlocked.Read(ref _accepted);
    /// <summary>Messages refused, or not acknowledged after every retry.</summary>
    public long Failed => Interlocked.Read(ref _failed);
    /// <summary>Messages sent again after a transient failure.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>Whether the receiver answers: false from the first exchange that failed transiently until one that did not.</summary>
    public Hl7ReceiverHealth Health
    {
        get
        {
            var (answering, failingFor, problem) = _answering.Now();
            return answering ? Hl7ReceiverHealth.Answering : new Hl7ReceiverHealth(false, failingFor, problem);
        }
    }

    /// <inheritdoc/>
    public Task? Write(PipelineOutput output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (output.Published is not { } window) return null;
        Task? all = null;
        foreach (var message in _encoder.Encode(window)) all = Acknowledgements.Both(all, Send(message));
        return all;
    }

    /// <summary>Queues one message; the task completes when the receiver accepted it. Blocks while <see cref="Hl7Options.MaxInFlight"/> are unacknowledged.</summary>
    public Task Send(Hl7Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        _slots.Wait(_stopping.Token);
        Interlocked.Increment(ref _pending);
        _metrics?.InFlight.Inc();
        var pending = new Queued(message, Mllp.Frame(message.Text), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), _time.GetTimestamp());
        if (!_queue.Writer.TryWrite(pending)) Settle(pending, new ObjectDisposedException(nameof(Hl7MllpSink)));
        return pending.Done.Task;
    }

    /// <inheritdoc/>
    public async Task<bool> DrainAsync(TimeSpan timeout)
    {
        var deadline = _time.GetTimestamp() + (long)(timeout.TotalSeconds * _time.TimestampFrequency);
        while (Pending > 0)
        {
            if (_time.GetTimestamp() >= deadline) return false;
            await Task.Delay(10).ConfigureAwait(false);
        }
        return true;
    }

    private async Task SendLoop()
    {
        MllpConnection? connection = null;
        var token = _stopping.Token;
        try
        {
            await foreach (var pending in _queue.Reader.ReadAllAsync(token).ConfigureAwait(false))
            {
                if (_exhausted is { } cause)
                {
                    // The receiver already failed a message for good: the transport stops there (the service exits and
                    // re-sends from its last commit), so what is queued behind it fails at once instead of retrying each.
                    Settle(pending, new Hl7DeliveryException(
                        $"HL7 {pending.Message.Kind} {pending.Message.ControlId} not sent: the receiver failed an earlier message ({cause})",
                        pending.Message.ControlId, pending.Message.Kind, null, transient: true));
                    continue;
                }
                for (int attempt = 0; ; attempt++)
                {
                    Hl7Acknowledgement? ack = null;
                    Exception? problem = null;
                    try
                    {
                        connection ??= await MllpConnection.OpenAsync(_endpoint.Host, _endpoint.Port, _options.UseTls, _options.TlsServerName,
                                                                      _trusted, _options.TlsCheckRevocation, _options.ConnectTimeout, token).ConfigureAwait(false);
                        _metrics?.Sent.WithLabels(pending.Message.KindLabel).Inc();
                        string reply = await connection.ExchangeAsync(pending.Frame, _options.AckTimeout, token).ConfigureAwait(false);
                        ack = Hl7Acknowledgement.Parse(reply);
                        if (ack.AcknowledgedControlId != pending.Message.ControlId)
                            throw new InvalidDataException($"the receiver acknowledged control id '{ack.AcknowledgedControlId}' while '{pending.Message.ControlId}' was waiting");
                    }
                    catch (Exception e) when (e is IOException or SocketException or TimeoutException or InvalidDataException or FormatException or AuthenticationException)
                    {
                        ack = null;
                        problem = e;
                    }
                    if (ack is not null)
                    {
                        Observed(ack.Code, failed: false);
                        if (ack.Accepted) Settle(pending, null);
                        else Settle(pending, new Hl7DeliveryException(
                            $"HL7 receiver refused {pending.Message.Kind} {pending.Message.ControlId} with {ack.Code}{(ack.Text is null ? "" : $": {ack.Text}")}",
                            pending.Message.ControlId, pending.Message.Kind, ack.Code, transient: false));
                        break;
                    }
                    string outcome = problem switch
                    {
                        TimeoutException => "timeout",
                        InvalidDataException or FormatException => "protocol",
                        AuthenticationException => "tls",
                        _ => "network",
                    };
                    Observed(outcome, failed: true);
                    if (connection is not null) { await connection.DisposeAsync().ConfigureAwait(false); connection = null; }
                    if (attempt >= _options.MaxRetries)
                    {
                        _exhausted = $"{outcome} after {attempt + 1} attempts";
                        Settle(pending, new Hl7DeliveryException(
                            $"HL7 receiver did not acknowledge {pending.Message.Kind} {pending.Message.ControlId} after {attempt + 1} attempts ({outcome}: {problem!.Message})",
                            pending.Message.ControlId, pending.Message.Kind, null, transient: true, problem));
                        break;
                    }
                    var delay = Backoff(attempt + 1);
                    Interlocked.Increment(ref _retries);
                    _metrics?.Retries.Inc();
                    _log.RetryingMessage(pending.Message.Kind, pending.Message.ControlId, outcome, attempt + 1, _options.MaxRetries, (long)delay.TotalMilliseconds);
                    await Task.Delay(delay, _time, token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested) { }
        finally
        {
            if (connection is not null) await connection.DisposeAsync().ConfigureAwait(false);
            // Whatever is still queued is settled as cancelled: the transport did not commit past it.
            while (_queue.Reader.TryRead(out var left)) Settle(left, new OperationCanceledException("the HL7 sink was stopped before the message was acknowledged"));
        }
    }

    private TimeSpan Backoff(int retry)
    {
        double seconds = Math.Min(_options.MaxBackoff.TotalSeconds, _options.InitialBackoff.TotalSeconds * Math.Pow(2, retry - 1));
        return TimeSpan.FromSeconds(seconds * (0.8 + 0.4 * Random.Shared.NextDouble()));
    }

    private void Settle(Queued pending, Exception? failure)
    {
        var kind = pending.Message.KindLabel;
        if (failure is null)
        {
            Interlocked.Increment(ref _accepted);
            _metrics?.Accepted.WithLabels(kind).Inc();
            _metrics?.AckSeconds.Observe(_time.GetElapsedTime(pending.HandedAt).TotalSeconds);
            pending.Done.TrySetResult();
        }
        else
        {
            if (failure is Hl7DeliveryException d)
            {
                Interlocked.Increment(ref _failed);
                _metrics?.Failures.WithLabels(d.AcknowledgementCode ?? "retries_exhausted").Inc();
                _log.DeliveryFailed(d.Message);
            }
            if (failure is OperationCanceledException oce) pending.Done.TrySetCanceled(oce.CancellationToken);
            else pending.Done.TrySetException(failure);
        }
        Interlocked.Decrement(ref _pending);
        _metrics?.InFlight.Dec();
        _slots.Release();
    }

    private void Observed(string outcome, bool failed)
    {
        _metrics?.Outcomes.WithLabels(outcome).Inc();
        if (failed)
        {
            if (_answering.Failed(outcome)) _metrics?.ReceiverAnswering.Set(0);
        }
        else if (_answering.Answered())
        {
            _metrics?.ReceiverAnswering.Set(1);
            _log.ReceiverAnsweringAgain();
        }
    }

    /// <summary>Stops sending: what is queued or in flight is settled as cancelled (call <see cref="DrainAsync"/> first for a graceful stop).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _queue.Writer.TryComplete();
        _stopping.Cancel();
        try { _sender.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        _stopping.Dispose();
    }
}
