using System.Net;
using System.Net.Sockets;

namespace DeployOps.Engine.Tests.Fixtures;

/// <summary>
/// An endpoint that accepts connections, reads the request and then never answers, like a wedged service
/// behind a load balancer. Connections are held open until the fixture is disposed.
/// </summary>
public sealed class HangingHttpServer : IDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _held = new();
    private readonly Task _acceptLoop;
    private int _requests;

    public HangingHttpServer()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public int Port { get; }
    public string BaseUrl => $"http://127.0.0.1:{Port}";
    /// <summary>How many complete request heads arrived (so a test knows the check really got through).</summary>
    public int RequestsReceived => Volatile.Read(ref _requests);
    /// <summary>When each request head arrived: shows whether callers waited on each other.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<DateTime> Arrivals { get; } = new();

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            lock (_held) _held.Add(client);
            _ = Task.Run(async () =>
            {
                try
                {
                    if (await LoopbackHttpServer.ReadHeadAsync(client.GetStream()) is not null) { Arrivals.Enqueue(DateTime.UtcNow); Interlocked.Increment(ref _requests); }
                }
                catch (Exception) { }
            });
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_held) foreach (var c in _held) c.Dispose();
        try { _acceptLoop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        _stop.Dispose();
    }
}
