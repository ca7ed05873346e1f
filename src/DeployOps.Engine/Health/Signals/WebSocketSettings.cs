using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Health.Signals;

/// <summary><c>health.websocket</c>: the WebSocket endpoint probed every sample, and the probe's own timeout.</summary>
internal sealed record WebSocketSettings(Uri Url, TimeSpan Timeout)
{
    /// <summary>Null when the key is absent; errors (named by key) for a missing or non-ws(s) URL.</summary>
    public static WebSocketSettings? Read(ConfigMap? map, TimeSpan defaultTimeout)
    {
        if (map is null) return null;
        var url = map.RequiredString("url");
        var timeout = map.Duration("timeout", defaultTimeout);
        map.Finish();
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("ws" or "wss"))
        {
            if (url.Length > 0) map.Error("url", $"'{url}' is not a ws:// or wss:// URL");
            return null;
        }
        return new WebSocketSettings(uri, timeout);
    }
}
