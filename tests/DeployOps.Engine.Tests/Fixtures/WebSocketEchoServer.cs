using System.Net;
using System.Net.WebSockets;

namespace DeployOps.Engine.Tests.Fixtures;

/// <summary>
/// A WebSocket echo server on a free loopback port (HttpListener, no web stack): /ws upgrades and echoes every
/// message back until the client closes; any other path, or a request without the upgrade, gets 404/400.
/// <see cref="Dispose"/> stops listening, so the port then refuses connections.
/// </summary>
public sealed class WebSocketEchoServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _acceptLoop;

    public WebSocketEchoServer()
    {
        Port = FreePort.Next();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public int Port { get; }
    public string Url => $"ws://127.0.0.1:{Port}/ws";
    /// <summary>Messages echoed so far.</summary>
    public int Echoed => _echoed;
    private int _echoed;

    private async Task AcceptLoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception) { return; }
            _ = Task.Run(() => ServeAsync(context));
        }
    }

    private async Task ServeAsync(HttpListenerContext context)
    {
        try
        {
            if (context.Request.Url?.AbsolutePath != "/ws" || !context.Request.IsWebSocketRequest)
            {
                context.Response.StatusCode = context.Request.Url?.AbsolutePath == "/ws" ? 400 : 404;
                context.Response.Close();
                return;
            }
            var socket = (await context.AcceptWebSocketAsync(null)).WebSocket;
            var buffer = new byte[4096];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)); // a stuck client never hangs the server
            while (socket.State == WebSocketState.Open)
            {
                var result = await socket.ReceiveAsync(buffer, timeout.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
                    break;
                }
                await socket.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, timeout.Token);
                if (result.EndOfMessage) Interlocked.Increment(ref _echoed);
            }
        }
        catch (Exception)
        {
            // A client that vanished mid-conversation is the client's problem, not the fixture's.
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _acceptLoop.Wait(TimeSpan.FromSeconds(5));
    }
}
