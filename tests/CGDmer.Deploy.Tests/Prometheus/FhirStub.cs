using CGDmer.TestSupport;
using System.Net;

namespace CGDmer.Deploy.Tests.Prometheus;

/// <summary>
/// A FHIR server stand-in on 127.0.0.1 for the service under test: it answers every request with <see cref="Status"/>
/// (201 Created by default, 503 to play a FHIR server that is down) and keeps nothing.
/// </summary>
internal sealed class FhirStub : IDisposable
{
    private readonly HttpListener _listener;
    private readonly Task _serving;
    private volatile int _status = (int)HttpStatusCode.Created;
    private long _requests;

    public FhirStub()
    {
        for (int attempt = 0; ; attempt++)
        {
            Port = TestPorts.Free();
            _listener = new HttpListener();
            _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
            try
            {
                _listener.Start();
                break;
            }
            catch (HttpListenerException) when (attempt < 10) { _listener.Close(); }
        }
        _serving = Task.Run(ServeAsync);
    }

    public int Port { get; }
    public string BaseUrl => $"http://127.0.0.1:{Port}/fhir";

    /// <summary>The status every request gets from now on.</summary>
    public HttpStatusCode Status
    {
        get => (HttpStatusCode)_status;
        set => _status = (int)value;
    }

    public long Requests => Interlocked.Read(ref _requests);

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync().ConfigureAwait(false); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            Interlocked.Increment(ref _requests);
            try
            {
                await context.Request.InputStream.CopyToAsync(Stream.Null).ConfigureAwait(false);
                context.Response.StatusCode = _status;
                context.Response.ContentLength64 = 0;
                context.Response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException) { /* the client went away */ }
        }
    }

    public void Dispose()
    {
        try { _listener.Stop(); } catch (ObjectDisposedException) { }
        _listener.Close();
        try { _serving.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
    }
}
