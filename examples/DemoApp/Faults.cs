namespace DeployOps.DemoApp;

/// <summary>Body of POST /admin/faults; absent fields keep their current value.</summary>
public sealed record FaultUpdate(double? ErrorRate, int? LatencyMs, double? LeakMbPerMinute, int? Connections, double? ConnectionDecayPerSecond);

/// <summary>The fault knobs of one instance: errors, latency, memory growth and simulated in-flight connections.</summary>
public sealed class Faults
{
    private readonly object _gate = new();
    private readonly List<byte[]> _leaked = new();
    private double _errorRate;
    private int _latencyMs;
    private double _leakMbPerMinute;
    private DateTime _leakSince = DateTime.UtcNow;
    private long _leakedBytes;
    private int _connections;
    private double _decayPerSecond;
    private DateTime _connectionsSince = DateTime.UtcNow;

    public Faults(DemoSettings settings) => Apply(new FaultUpdate(settings.ErrorRate, settings.LatencyMs, settings.LeakMbPerMinute,
        settings.SimulatedConnections, settings.ConnectionDecayPerSecond));

    public void Apply(FaultUpdate update)
    {
        lock (_gate)
        {
            if (update.ErrorRate is { } e) _errorRate = Math.Clamp(e, 0, 1);
            if (update.LatencyMs is { } l) _latencyMs = Math.Max(0, l);
            if (update.LeakMbPerMinute is { } m) { GrowLeak(); _leakMbPerMinute = Math.Max(0, m); _leakSince = DateTime.UtcNow; }
            if (update.Connections is { } c) { _connections = Math.Max(0, c); _connectionsSince = DateTime.UtcNow; }
            if (update.ConnectionDecayPerSecond is { } d) { _connections = SimulatedConnections(); _decayPerSecond = Math.Max(0, d); _connectionsSince = DateTime.UtcNow; }
        }
    }

    public object Snapshot()
    {
        lock (_gate)
            return new { errorRate = _errorRate, latencyMs = _latencyMs, leakMbPerMinute = _leakMbPerMinute, connections = SimulatedConnections(), connectionDecayPerSecond = _decayPerSecond, leakedBytes = _leakedBytes };
    }

    public async Task BeforeRequestAsync(HttpContext context)
    {
        int latency;
        bool fail;
        lock (_gate)
        {
            GrowLeak();
            latency = _latencyMs;
            fail = _errorRate > 0 && Random.Shared.NextDouble() < _errorRate;
        }
        if (latency > 0) await Task.Delay(latency, context.RequestAborted);
        if (fail)
        {
            context.Response.StatusCode = 500;
            await context.Response.WriteAsync("injected failure\n");
        }
    }

    /// <summary>Simulated in-flight connections, falling linearly at the configured rate.</summary>
    public int SimulatedConnections()
    {
        lock (_gate)
        {
            var fallen = _decayPerSecond * (DateTime.UtcNow - _connectionsSince).TotalSeconds;
            return Math.Max(0, (int)Math.Ceiling(_connections - fallen));
        }
    }

    /// <summary>Real resident memory plus what the leak knob holds (it is really allocated and touched).</summary>
    public long ResidentBytes()
    {
        lock (_gate) GrowLeak();
        return Environment.WorkingSet;
    }

    private void GrowLeak()
    {
        if (_leakMbPerMinute <= 0) return;
        var target = (long)(_leakMbPerMinute * 1024 * 1024 * (DateTime.UtcNow - _leakSince).TotalMinutes);
        while (_leakedBytes < target)
        {
            var chunk = new byte[1024 * 1024];
            Random.Shared.NextBytes(chunk); // touch every page so it is resident
            _leaked.Add(chunk);
            _leakedBytes += chunk.Length;
        }
    }
}
