using CGDmer.TestSupport;
using System.Collections.Concurrent;
using System.Net;

namespace CGDmer.Transports.Kafka.IntegrationTests;

/// <summary>
/// A FHIR server for the service to PUT to: keeps every resource by type and id (the last body), answers 201 for a new
/// id and 200 for an update, and answers every <c>failEvery</c>-th request 503 so the sink's retries are exercised.
/// </summary>
internal sealed class FhirServerStub : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly int _failEvery;
    private int _requests;

    public FhirServerStub(int failEvery = 7)
    {
        _failEvery = failEvery;
        int port = TestPorts.Free();
        BaseUrl = $"http://localhost:{port}/fhir";
        _listener.Prefixes.Add(BaseUrl + "/");
        _listener.Start();
        _loop = Task.Run(Serve);
    }

    public string BaseUrl { get; }
    /// <summary>"Type/id" → the body last PUT.</summary>
    public ConcurrentDictionary<string, string> Resources { get; } = new(StringComparer.Ordinal);
    /// <summary>"Type/id" in the order first accepted.</summary>
    public ConcurrentQueue<string> Order { get; } = new();
    public int Puts;
    public int Refused;
    public ConcurrentQueue<string> Problems { get; } = new();
    /// <summary>While set, every PUT is answered 503 (an outage of the server behind a proxy that still answers).</summary>
    public volatile bool Down;

    private async Task Serve()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception) { return; }
            _ = Task.Run(() => Handle(context));
        }
    }

    private async Task Handle(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        try
        {
            string path = request.Url!.AbsolutePath;
            string key = path.StartsWith("/fhir/", StringComparison.Ordinal) ? path["/fhir/".Length..] : path;
            if (request.HttpMethod != "PUT" || key.Count(c => c == '/') != 1)
            {
                Problems.Enqueue($"{request.HttpMethod} {path}");
                response.StatusCode = 405;
                return;
            }
            if (!(request.ContentType ?? "").StartsWith("application/fhir+json", StringComparison.Ordinal)) Problems.Enqueue($"content type {request.ContentType}");
            using var reader = new StreamReader(request.InputStream);
            string body = await reader.ReadToEndAsync();
            if (Down || Interlocked.Increment(ref _requests) % _failEvery == 0)
            {
                Interlocked.Increment(ref Refused);
                response.StatusCode = 503;   // transient: the sink must try again
                return;
            }
            Interlocked.Increment(ref Puts);
            bool created = Resources.TryAdd(key, body);
            if (created) Order.Enqueue(key);
            else Resources[key] = body;
            response.StatusCode = created ? 201 : 200;
        }
        catch (Exception e) { Problems.Enqueue(e.GetType().Name); response.StatusCode = 500; }
        finally { response.Close(); }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
    }
}
