using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace CGDmer.Transports.Fhir.Tests;

/// <summary>One request the fake server received, with its body read.</summary>
internal sealed record ReceivedRequest(HttpMethod Method, Uri Uri, string? ContentType, byte[] Body, HttpRequestMessage Message, int Attempt)
{
    public string BodyText => Encoding.UTF8.GetString(Body);
    public string? Header(string name) => Message.Headers.TryGetValues(name, out var v) ? string.Join(",", v) : null;
}

/// <summary>
/// A FHIR server in-process (an <see cref="HttpMessageHandler"/>): records every request and answers with
/// <see cref="Respond"/>, which sees the request and its attempt number per URL (1 for the first). Tracks how many
/// requests are in progress at once.
/// </summary>
internal sealed class FakeFhirServer : HttpMessageHandler
{
    private readonly ConcurrentDictionary<string, int> _attempts = new();
    private int _inProgress, _maxInProgress;

    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();
    public Func<ReceivedRequest, CancellationToken, Task<HttpResponseMessage>> Respond { get; set; } =
        (_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.Created));
    public int MaxInProgress => Volatile.Read(ref _maxInProgress);
    public int InProgress => Volatile.Read(ref _inProgress);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        int now = Interlocked.Increment(ref _inProgress);
        for (int max; now > (max = Volatile.Read(ref _maxInProgress));) Interlocked.CompareExchange(ref _maxInProgress, now, max);
        try
        {
            byte[] body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
            int attempt = _attempts.AddOrUpdate(request.RequestUri!.ToString(), 1, (_, n) => n + 1);
            var received = new ReceivedRequest(request.Method, request.RequestUri!, request.Content?.Headers.ContentType?.ToString(), body, request, attempt);
            Requests.Enqueue(received);
            var response = await Respond(received, cancellationToken);
            response.RequestMessage = request;
            return response;
        }
        finally
        {
            Interlocked.Decrement(ref _inProgress);
        }
    }

    public static HttpResponseMessage Status(HttpStatusCode status, string? json = null)
    {
        var response = new HttpResponseMessage(status);
        if (json is not null) response.Content = new StringContent(json, Encoding.UTF8, "application/fhir+json");
        return response;
    }

    public static string Outcome(string code, string diagnostics) =>
        $$"""{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"{{code}}","diagnostics":{{System.Text.Json.JsonSerializer.Serialize(diagnostics)}}}]}""";
}
