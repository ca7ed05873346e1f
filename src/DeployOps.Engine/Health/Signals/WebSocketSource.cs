using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using DeployOps.Engine.Health.Decision;

namespace DeployOps.Engine.Health.Signals;

/// <summary>
/// Each sample opens a fresh WebSocket (the upgrade handshake is what breaks when a proxy or the app loses
/// WebSocket support), sends one text frame and expects it echoed back, then closes. The streak of consecutive
/// failures is websocketDown, the round trip websocketLatency. A failure is evidence, not a source error.
/// </summary>
internal sealed class WebSocketSource : ISignalSource
{
    private readonly WebSocketSettings _settings;
    private int _streak;
    private int _sequence;

    public WebSocketSource(WebSocketSettings settings) => _settings = settings;

    public string Name => "websocket";

    public Task<SourceReading> PrimeAsync(CancellationToken cancellationToken) => Task.FromResult(SourceReading.Empty);

    public async Task<SourceReading> ReadAsync(CancellationToken cancellationToken)
    {
        var reading = new SourceReading();
        var clock = Stopwatch.StartNew();
        var failure = await ProbeAsync(cancellationToken).ConfigureAwait(false);
        if (failure is null)
        {
            _streak = 0;
            reading.Set(HealthSignals.WebSocketLatency, clock.Elapsed.TotalMilliseconds);
        }
        else
        {
            _streak++;
            reading.Notes.Add($"websocket {_settings.Url} failed ({_streak} in a row): {failure}");
            reading.Unreadable[HealthSignals.WebSocketLatency] = "websocket probe failed";
        }
        reading.Set(HealthSignals.WebSocketDown, _streak);
        return reading;
    }

    /// <returns>Null when the echo came back; otherwise what failed.</returns>
    private async Task<string?> ProbeAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_settings.Timeout);
        using var socket = new ClientWebSocket();
        socket.Options.Proxy = null;
        try
        {
            await socket.ConnectAsync(_settings.Url, timeout.Token).ConfigureAwait(false);
            var text = $"deployops-health {++_sequence}";
            await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, timeout.Token).ConfigureAwait(false);
            var echo = await ReceiveTextAsync(socket, timeout.Token).ConfigureAwait(false);
            if (echo != text) return echo is null ? "the server closed without echoing" : $"echo '{Shorten(echo)}' instead of '{text}'";
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "probe done", timeout.Token).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException && !cancellationToken.IsCancellationRequested)
        {
            return ex switch
            {
                OperationCanceledException => $"no answer within {Configuration.ValueParsers.FormatDuration(_settings.Timeout)}",
                WebSocketException { InnerException: { } inner } => $"{ex.Message} ({inner.Message})",
                _ => ex.Message,
            };
        }
    }

    private static async Task<string?> ReceiveTextAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close) return null;
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage) return Encoding.UTF8.GetString(message.ToArray());
            if (message.Length > 64 * 1024) return "(an answer over 64 KB)";
        }
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
