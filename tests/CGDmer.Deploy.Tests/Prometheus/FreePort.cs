using System.Net;
using System.Net.Sockets;

namespace CGDmer.Deploy.Tests.Prometheus;

/// <summary>
/// Ports for the servers these tests start (the service's metrics, the FHIR stub, Prometheus), picked below the kernel's
/// ephemeral range: there only another explicit pick can take a port between the pick and the server's own bind, while
/// a port-0 pick lies where every outgoing connection draws its local port.
/// </summary>
internal static class FreePort
{
    private static readonly int EphemeralLow = ReadEphemeralLow();

    public static int Pick()
    {
        int low = 10_000, high = EphemeralLow - 1;
        if (high - low < 1_000) (low, high) = (20_000, 29_999);
        for (int attempt = 0; ; attempt++)
        {
            int port = Random.Shared.Next(low, high + 1);
            try
            {
                using var probe = new TcpListener(IPAddress.Loopback, port);
                probe.Start();
                return port;
            }
            catch (SocketException) when (attempt < 200) { }
        }
    }

    private static int ReadEphemeralLow()
    {
        try
        {
            var parts = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 32_768;
        }
    }
}
