using System.Net;
using System.Net.Sockets;

namespace DeployOps.Engine.Tests.Fixtures;

/// <summary>Loopback ports nobody is listening on, never handed out twice in one test run.</summary>
public static class FreePort
{
    private static readonly HashSet<int> Given = new();

    public static int Next()
    {
        lock (Given)
        {
            while (true)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                listener.Stop();
                if (Given.Add(port)) return port;
            }
        }
    }
}
