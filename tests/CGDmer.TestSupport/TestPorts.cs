using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace CGDmer.TestSupport;

/// <summary>
/// Ports for the servers tests start (the service's metrics, FHIR stubs, Prometheus), picked as tests/kafka/start.sh picks the broker's:
/// below the kernel's ephemeral range. A port-0 pick lies inside that range, where every outgoing connection of the
/// broker, the service and the parallel unit tests draws its local port, so it could be taken between the pick and
/// the server's own bind; below the range only another explicit pick can take it.
/// </summary>
public static class TestPorts
{
    /// <summary>The first port of the kernel's ephemeral range (ip_local_port_range; Linux's default when unreadable).</summary>
    public static readonly int EphemeralLow = ReadEphemeralLow();

    public static int Free()
    {
        int low = 10_000, high = EphemeralLow - 1;
        if (high - low < 1_000) (low, high) = (20_000, 49_999); // an unusual range: a wide span instead
        for (int attempt = 0; attempt < 200; attempt++)
        {
            int port = Random.Shared.Next(low, high + 1);
            try
            {
                using var probe = new TcpListener(IPAddress.Loopback, port);
                probe.Start();
                return port;
            }
            catch (SocketException) { } // taken: try another
        }
        throw new InvalidOperationException($"no free port found in {low}..{high}");
    }

    private static int ReadEphemeralLow()
    {
        try
        {
            var fields = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(fields[0], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 32_768; // Linux's default
        }
    }
}
