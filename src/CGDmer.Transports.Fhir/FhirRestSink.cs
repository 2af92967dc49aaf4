using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CGDmer.Pipeline;
using CGDmer.Pipeline.Publishing;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using Task = System.Threading.Tasks.Task;

namespace CGDmer.Transports.Fhir;

/// <summary>
/// Writes the pipeline's FHIR Observations to a FHIR server over REST: <c>PUT {BaseUrl}/Observation/{id}</c> with the
/// same compact FHIR JSON the Kafka topic carries. The ids are deterministic, so a PUT repeated after a retry, a restart
/// or a rebalance updates the same resource with the same content (idempotent).
/// </summary>
/// <remarks>
/// <para><b>Acknowledgement.</b> <see cref="Write(PublishedWindow)"/> returns a task that completes when the server
/// accepted (200 or 201) every Observation of the window, and faults with a <see cref="FhirWriteException"/> when one was
/// refused for good: a permanent status (400, 401, 403, 404, 409, 412, 422, any other 4xx, 501, 505, an unfollowed
/// redirect, an unexpected 2xx such as 202) at once, a transient failure (network error, timeout, 408, 429, other 5xx)
/// once <see cref="FhirServerOptions.MaxRetries"/> retries with exponential back-off and jitter failed too. A 429's or
/// 503's <c>Retry-After</c> replaces the computed delay (capped at <see cref="FhirServerOptions.MaxBackoff"/>).</para>
/// <para><b>Back-pressure.</b> At most <see cref="FhirServerOptions.MaxConcurrentRequests"/> resources are being written
/// at once (retries and back-off included); <c>Write</c> blocks its caller until a slot is free, so a slow or failing
/// server slows the pipeline instead of queuing without bound.</para>
/// <para><b>Privacy.</b> Nothing logged or thrown carries patient data: resource ids are hashes, and the patient id is
/// redacted from the server's OperationOutcome text before it is quoted. Credentials are never logged.</para>
/// Thread-safe.
/// </remarks>
public sealed class FhirRestSink : IAcknowledgedSink, IDisposable
{
    /// <summary>The FHIR JSON media type (FHIR R4 §3.1.0.1.7).</summary>
    public const string FhirJsonMediaType = "application/fhir+json";
    /// <summary>At most this much of a refusal's body is read to quote its OperationOutcome.</summary>
    private const int MaxOutcomeBytes = 64 * 1024;
    private const int MaxOutcomeChars = 500;

    private readonly FhirServerOptions _options;
    private readonly Uri _base;
    private readonly HttpClient _http;
    private readonly ResiliencePipeline<HttpResponseMessage> _resilience;
    private readonly SemaphoreSlim _slots;
    private readonly CancellationTokenSource _stopping = new();
    private readonly FhirSinkMetrics? _metrics;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private long _pending, _accepted, _failed, _retries;
    private int _disposed;
    private readonly AnsweringTracker _answering;

    /// <param name="handler">The HTTP stack (tests pass a fake); null: a pooled <see cref="SocketsHttpHandler"/> that does
    /// not follow redirects (a FHIR base that redirects is a misconfiguration, and following one drops the Authorization header).</param>
    /// <param name="time">The clock for <c>Retry-After</c> dates and Polly's delays (tests); null: the system clock.</param>
    public FhirRestSink(FhirServerOptions options, HttpMessageHandler? handler = null, FhirSinkMetrics? metrics = null,
                        ILogger? log = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Validate();
        if (!options.IsEnabled()) throw new ArgumentException($"{FhirServerOptions.SectionName}:BaseUrl is not set: the sink is off", nameof(options));
        _base = options.GetBaseUri();
        _metrics = metrics;
        _log = log ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        _answering = new AnsweringTracker(_time);
        _slots = new SemaphoreSlim(options.MaxConcurrentRequests, options.MaxConcurrentRequests);
        handler ??= new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            // Re-resolve DNS now and then (a server moved behind the same name); one connection per concurrent request.
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            MaxConnectionsPerServer = options.MaxConcurrentRequests,
            ConnectTimeout = options.Timeout,
        };
        // Timeouts are the resilience pipeline's, per attempt; HttpClient's own would cut across the retries.
        _http = new HttpClient(handler, disposeHandler: true) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue(FhirJsonMediaType));
        // The sink needs only the status: ask the server not to echo the resource back.
        _http.DefaultRequestHeaders.TryAddWithoutValidation("Prefer", "return=minimal");
        if (options.BearerToken is { } token) _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        foreach (var (name, value) in options.Headers) _http.DefaultRequestHeaders.TryAddWithoutValidation(name, value);
        _resilience = BuildResilience(options);
    }

    /// <summary>Resources being written now (in flight, waiting for a retry, or reading a refusal).</summary>
    public long Pending => Interlocked.Read(ref _pending);
    /// <summary>Resources the server accepted.</summary>
    public long Accepted => Interlocked.Read(ref _accepted);
    /// <summary>Resources refused for good or failed after every retry.</summary>
    public long Failed => Interlocked.Read(ref _failed);
    /// <summary>Attempts retried after a transient failure.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>
    /// Whether the server answers: false from the first attempt that failed transiently (5xx, 408, 429, timeout, network
    /// error) until one that did not (an acceptance, or a refusal: a server that refuses is up). Writes are retried all
    /// the while; the service reports a long run of failures on its readiness probe.
    /// </summary>
    public FhirServerHealth Health
    {
        get
        {
            var (answering, failingFor, problem) = _answering.Now();
            return answering ? FhirServerHealth.Answering : new FhirServerHealth(false, failingFor, problem);
        }
    }

    /// <summary>One attempt's outcome: counted by status, and the server's health moved with it.</summary>
    private void Observed(string status, bool failed)
    {
        _metrics?.Responses.WithLabels(status).Inc();
        if (failed)
        {
            if (_answering.Failed(status)) _metrics?.ServerAnswering.Set(0);
        }
        else if (_answering.Answered())
        {
            _metrics?.ServerAnswering.Set(1);
            _log.AnsweringAgain();
        }
    }

    /// <summary>
    /// PUTs what <paramref name="window"/> publishes: its monitor's Device the first time (<see cref="MonitorDevice"/>),
    /// its Observations, then its alert resources (CommunicationRequest, <see cref="PublishedWindow.AlertResources"/>).
    /// While a monitor's Device is still being written (retried, say), every window of that monitor waits for it, not
    /// only the first; if it fails, they fail with it and the monitor's next window writes it again.
    /// Completes when all were accepted (at once for a window without any), faults with a <see cref="FhirWriteException"/>
    /// when one was not. Blocks while every request slot is taken.
    /// </summary>
    public Task Write(PublishedWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        if (window.Observations.Count == 0 && window.AlertResources.Count == 0) return Task.CompletedTask;
        Task? device = null;
        if (MonitorDevice is { } monitor)
        {
            string id = window.Window.DeviceId;
            if (!_monitorDevices.TryGetValue(id, out var written))
            {
                // A bounded memory of monitors written: forgetting one only PUTs its Device again (idempotent).
                if (_monitorDevices.Count >= MaxMonitorsRemembered) _monitorDevices.Clear();
                string patient = window.PatientId;
                written = _monitorDevices.GetOrAdd(id, _ => new Lazy<Task>(() => PutDevice(monitor, id, patient)));
            }
            device = written.Value;
            if (device.IsCompletedSuccessfully) device = null;
            else device = ForgetIfFailed(id, written);
        }
        if (device is null && window.AlertResources.Count == 0) return PutObservations(window);
        return WriteInOrder(device, window);
    }

    // A refusal before any request (a disposed sink, a Device without a valid id) fails the task like a refused write,
    // so that it is forgotten too rather than kept by the Lazy for good.
    private Task PutDevice(Func<string, Device> monitor, string deviceId, string patientId)
    {
        try { return Put(monitor(deviceId), patientId); }
        catch (Exception e) { return Task.FromException(e); }
    }

    // A failed Device write is forgotten (only the entry that failed), so that the monitor's next window PUTs it again.
    private async Task ForgetIfFailed(string deviceId, Lazy<Task> written)
    {
        try { await written.Value.ConfigureAwait(false); }
        catch
        {
            _monitorDevices.TryRemove(new KeyValuePair<string, Lazy<Task>>(deviceId, written));
            throw;
        }
    }

    // What a resource references is written before it: the monitor's Device, then the Observations, then the alert
    // resources (their requester and the Observations they are about).
    private async Task WriteInOrder(Task? device, PublishedWindow window)
    {
        if (device is not null) await device.ConfigureAwait(false);
        await PutObservations(window).ConfigureAwait(false);
        var alerts = window.AlertResources;
        if (alerts.Count == 0) return;
        var writes = new Task[alerts.Count];
        for (int i = 0; i < writes.Length; i++) writes[i] = Put(alerts[i], window.PatientId);
        await AllAccepted(writes).ConfigureAwait(false);
    }

    /// <summary>
    /// Builds the Device of a bedside monitor from its device id (the host passes <c>DeviceFactory.ForMonitor</c> with
    /// its publishing options). When set, the monitor's Device is PUT before its first Observation, since the heart-rate
    /// Observations reference it and a server that checks references would refuse them without it. Null: never.
    /// </summary>
    public Func<string, Device>? MonitorDevice { get; init; }

    /// <summary>Monitors remembered as written; beyond, the memory starts afresh.</summary>
    public const int MaxMonitorsRemembered = 100_000;

    // Each monitor's Device write, started once (Lazy: racing windows of one monitor share it).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<Task>> _monitorDevices = new(StringComparer.Ordinal);

    private Task PutObservations(PublishedWindow window)
    {
        var observations = window.Observations;
        if (observations.Count == 0) return Task.CompletedTask;
        if (observations.Count == 1) return Put(observations[0].Resource, window.PatientId);
        var writes = new Task[observations.Count];
        for (int i = 0; i < writes.Length; i++) writes[i] = Put(observations[i].Resource, window.PatientId);
        return AllAccepted(writes);
    }

    // Awaiting WhenAll rethrows its first exception only: the window's task faults with one FhirWriteException (the
    // ledger reports the task's base exception, which for an aggregate of several would be the aggregate itself).
    private static async Task AllAccepted(Task[] writes) => await Task.WhenAll(writes).ConfigureAwait(false);

    /// <summary>A published window's Observations (<see cref="Write(PublishedWindow)"/>); null for any other output.</summary>
    Task? IAcknowledgedSink.Write(PipelineOutput output) => output.Published is { } window ? Write(window) : null;

    /// <summary>
    /// PUTs one resource to <c>{BaseUrl}/{type}/{id}</c> (e.g. the model's Device at start-up), with the same retries and
    /// acknowledgement as the Observations. <paramref name="patientId"/>, when given, is redacted from error text.
    /// </summary>
    public Task Put(Resource resource, string? patientId = null)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        string type = resource.TypeName;
        string id = resource.Id ?? throw new ArgumentException($"the {type} has no id: only resources with an id can be PUT", nameof(resource));
        if (!Id.IsValidValue(id)) throw new ArgumentException($"the {type}'s id is not a valid FHIR id", nameof(resource));
        byte[] body = FhirNdjson.SerializeToUtf8(resource);
        try
        {
            _slots.Wait(_stopping.Token);   // back-pressure: the caller waits for a free slot
        }
        catch (OperationCanceledException)
        {
            throw new ObjectDisposedException(nameof(FhirRestSink));
        }
        Interlocked.Increment(ref _pending);
        _metrics?.InFlight.Inc();
        return Send(type, id, body, patientId);
    }

    /// <summary>Waits (up to <paramref name="timeout"/>) until no write is pending; false on timeout.</summary>
    public async Task<bool> DrainAsync(TimeSpan timeout)
    {
        var deadline = _time.GetTimestamp();
        while (Pending > 0)
        {
            if (_time.GetElapsedTime(deadline) >= timeout) return false;
            await Task.Delay(10).ConfigureAwait(false);
        }
        return true;
    }

    /// <summary>Cancels what is in flight (those writes end cancelled, so their inputs are not committed) and releases the client.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _stopping.Cancel();
        _http.Dispose();
    }

    private async Task Send(string type, string id, byte[] body, string? patientId)
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            var uri = new Uri(_base, type + "/" + id);
            HttpResponseMessage response;
            try
            {
                response = await _resilience.ExecuteAsync(static (s, ct) => s.Sink.Attempt(s.Type, s.Uri, s.Body, ct),
                    (Sink: this, Type: type, Uri: uri, Body: body), _stopping.Token).ConfigureAwait(false);
            }
            catch (TimeoutRejectedException e)
            {
                throw Failure(type, id, null, "timeout", $"no answer within {_options.Timeout.TotalSeconds:0.###} s", e);
            }
            catch (HttpRequestException e)
            {
                throw Failure(type, id, null, "network", $"network error ({e.HttpRequestError})", e);
            }
            using (response)
            {
                var status = response.StatusCode;
                if (status is HttpStatusCode.OK or HttpStatusCode.Created)
                {
                    Interlocked.Increment(ref _accepted);
                    _metrics?.Accepted.WithLabels(type).Inc();
                    _metrics?.WriteSeconds.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
                    return;
                }
                string outcome = await ReadOutcome(response, patientId).ConfigureAwait(false);
                string code = ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture);
                string what = $"{code} {response.ReasonPhrase ?? status.ToString()}{(outcome.Length > 0 ? ": " + outcome : "")}";
                throw Failure(type, id, status, code, what, null);
            }
        }
        finally
        {
            _metrics?.InFlight.Dec();
            Interlocked.Decrement(ref _pending);
            _slots.Release();
        }
    }

    private async ValueTask<HttpResponseMessage> Attempt(string type, Uri uri, byte[] body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, uri) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(FhirJsonMediaType) { CharSet = "utf-8" };
        _metrics?.Requests.WithLabels(type).Inc();
        try
        {
            var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            Observed(((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture), IsTransient(response.StatusCode));
            return response;
        }
        catch (HttpRequestException)
        {
            Observed("network", failed: true);
            throw;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested && !_stopping.IsCancellationRequested)
        {
            Observed("timeout", failed: true);
            throw;
        }
    }

    private FhirWriteException Failure(string type, string id, HttpStatusCode? status, string statusLabel, string what, Exception? inner)
    {
        Interlocked.Increment(ref _failed);
        _metrics?.Failures.WithLabels(statusLabel).Inc();
        bool transient = status is null || IsTransient(status.Value);
        string message = transient
            ? $"FHIR server did not accept PUT {type}/{id} after {_options.MaxRetries} retries: {what}"
            : $"FHIR server refused PUT {type}/{id}: {what}";
        _log.WriteFailed(message);
        return new FhirWriteException(message, type, id, status, transient, inner);
    }

    private ResiliencePipeline<HttpResponseMessage> BuildResilience(FhirServerOptions options)
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = _time };
        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome switch
                {
                    { Exception: HttpRequestException or TimeoutRejectedException } => true,
                    { Result: { } response } => IsTransient(response.StatusCode),
                    _ => false,
                }),
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.InitialBackoff,
                MaxDelay = options.MaxBackoff,
                DelayGenerator = args => ValueTask.FromResult(
                    args.Outcome.Result is { } response ? RetryAfter(response, _time.GetUtcNow(), options.MaxBackoff) : null),
                OnRetry = args =>
                {
                    string label = StatusLabel(args.Outcome);
                    Interlocked.Increment(ref _retries);
                    _metrics?.Retries.WithLabels(label).Inc();
                    _log.RetryingWrite(
                        label, args.AttemptNumber + 1, options.MaxRetries, (long)args.RetryDelay.TotalMilliseconds);
                    return ValueTask.CompletedTask;
                },
            });
        }
        builder.AddTimeout(options.Timeout);
        return builder.Build();
    }

    /// <summary>Transient statuses, retried: 408, 429 and the 5xx except 501 and 505 (the server will never support the request).</summary>
    internal static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests
        || ((int)status is >= 500 and <= 599 && status is not HttpStatusCode.NotImplemented and not HttpStatusCode.HttpVersionNotSupported);

    /// <summary>The delay a response's <c>Retry-After</c> asks for (seconds or a date), capped at <paramref name="max"/>; null when it has none.</summary>
    internal static TimeSpan? RetryAfter(HttpResponseMessage response, DateTimeOffset now, TimeSpan max)
    {
        var retryAfter = response.Headers.RetryAfter;
        TimeSpan? delay = retryAfter?.Delta ?? (retryAfter?.Date is { } date ? date - now : null);
        if (delay is not { } d) return null;
        return d < TimeSpan.Zero ? TimeSpan.Zero : d > max ? max : d;
    }

    private static string StatusLabel(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Result: { } r } => ((int)r.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture),
        { Exception: TimeoutRejectedException } => "timeout",
        _ => "network",
    };

    /// <summary>
    /// The issues of the refusal's OperationOutcome ("severity code: text"), patient id redacted, at most
    /// <see cref="MaxOutcomeChars"/> characters; empty when the body is not an OperationOutcome (an arbitrary body, e.g.
    /// a proxy's error page, is not quoted: it could echo anything).
    /// </summary>
    internal async Task<string> ReadOutcome(HttpResponseMessage response, string? patientId)
    {
        byte[] bytes;
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            cts.CancelAfter(_options.Timeout);
            await using var stream = await response.Content.ReadAsStreamAsync(cts.Token).ConfigureAwait(false);
            var buffer = new MemoryStream();
            var chunk = new byte[8192];
            int n;
            while (buffer.Length < MaxOutcomeBytes && (n = await stream.ReadAsync(chunk, cts.Token).ConfigureAwait(false)) > 0)
                buffer.Write(chunk, 0, n);
            bytes = buffer.ToArray();
        }
        catch (Exception e) when (e is IOException or HttpRequestException or OperationCanceledException)
        {
            return "";
        }
        return DescribeOutcome(bytes, patientId);
    }

    internal static string DescribeOutcome(ReadOnlySpan<byte> json, string? patientId)
    {
        var issues = new StringBuilder();
        try
        {
            var reader = new Utf8JsonReader(json);
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("resourceType", out var rt) || rt.ValueKind != JsonValueKind.String || rt.GetString() != "OperationOutcome"
                || !root.TryGetProperty("issue", out var list) || list.ValueKind != JsonValueKind.Array)
                return "";
            foreach (var issue in list.EnumerateArray())
            {
                if (issue.ValueKind != JsonValueKind.Object) continue;
                if (issues.Length > 0) issues.Append("; ");
                issues.Append(Text(issue, "severity") ?? "?").Append(' ').Append(Text(issue, "code") ?? "?");
                string? details = issue.TryGetProperty("details", out var d) && d.ValueKind == JsonValueKind.Object ? Text(d, "text") : null;
                string? diagnostics = Text(issue, "diagnostics");
                if (details is not null) issues.Append(": ").Append(details);
                if (diagnostics is not null && diagnostics != details) issues.Append(details is null ? ": " : " — ").Append(diagnostics);
                if (issues.Length > MaxOutcomeChars) break;
            }
        }
        catch (JsonException)
        {
            return "";
        }
        string text = Redact(issues.ToString(), patientId);
        // Control characters (line breaks) would let a server forge log lines.
        var clean = new StringBuilder(Math.Min(text.Length, MaxOutcomeChars + 1));
        foreach (char c in text) clean.Append(char.IsControl(c) ? ' ' : c);
        return clean.Length > MaxOutcomeChars ? clean.ToString(0, MaxOutcomeChars) + "…" : clean.ToString();

        static string? Text(JsonElement e, string name) =>
            e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
    }

    /// <summary>Removes the patient id (as is and URL-encoded) from text a server wrote: it may quote the request.</summary>
    internal static string Redact(string text, string? patientId)
    {
        if (string.IsNullOrEmpty(patientId)) return text;
        text = text.Replace(patientId, "[patient]", StringComparison.OrdinalIgnoreCase);
        string escaped = Uri.EscapeDataString(patientId);
        return escaped == patientId ? text : text.Replace(escaped, "[patient]", StringComparison.OrdinalIgnoreCase);
    }
}
