using System.Net;
using System.Net.Sockets;
using CGDmer.Pipeline.Publishing;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;

namespace CGDmer.Transports.Fhir.Tests;

/// <summary>The sink's own HTTP stack (SocketsHttpHandler) against a real server on a loopback port.</summary>
public class HttpListenerTests
{
    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    [Fact]
    public async Task Observations_reach_a_real_server_after_a_503_with_the_right_method_path_type_and_body()
    {
        int port = FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/fhir/");
        listener.Start();
        var received = new List<(string Method, string Path, string? ContentType, string? Auth, string Body, int Status)>();
        var attempts = new Dictionary<string, int>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var serving = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                HttpListenerContext context;
                try { context = await listener.GetContextAsync().WaitAsync(stop.Token); }
                catch (Exception) { return; }
                string body;
                using (var reader = new StreamReader(context.Request.InputStream)) body = await reader.ReadToEndAsync();
                string path = context.Request.Url!.AbsolutePath;
                int attempt = attempts[path] = attempts.GetValueOrDefault(path) + 1;
                int status = attempt == 1 ? 503 : 201;   // each resource: first refused as busy, then created
                lock (received) received.Add((context.Request.HttpMethod, path, context.Request.ContentType, context.Request.Headers["Authorization"], body, status));
                context.Response.StatusCode = status;
                context.Response.Close();
            }
        });

        var options = new FhirServerOptions
        {
            BaseUrl = $"http://127.0.0.1:{port}/fhir",
            BearerToken = "local-token",
            InitialBackoff = TimeSpan.FromMilliseconds(5),
            MaxBackoff = TimeSpan.FromMilliseconds(50),
        };
        using (var sink = new FhirRestSink(options))
        {
            var window = TestWindows.Published();
            await sink.Write(window).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(2, sink.Accepted);
            Assert.Equal(2, sink.Retries);

            lock (received)
            {
                Assert.Equal(4, received.Count);
                foreach (var observation in window.Observations)
                {
                    var mine = received.Where(r => r.Path == $"/fhir/Observation/{observation.Id}").ToList();
                    Assert.Equal([503, 201], mine.Select(r => r.Status));
                    Assert.All(mine, r =>
                    {
                        Assert.Equal("PUT", r.Method);
                        Assert.StartsWith("application/fhir+json", r.ContentType);
                        Assert.Equal("Bearer local-token", r.Auth);
                        Assert.True(FhirNdjson.Parse<Observation>(r.Body).IsExactly(observation.Resource));
                    });
                }
            }
        }
        stop.Cancel();
        listener.Stop();
        await serving;
    }
}
