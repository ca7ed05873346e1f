using System.Globalization;

namespace DeployOps.Engine.Health.Decision;

/// <summary>The units of the built-in signals, for thresholds in yaml and for messages.</summary>
public static class SignalUnits
{
    /// <summary>A signal's value with its unit for messages: "2.5%", "340 ms", "512 MB", "12 MB/min", or the bare
    /// number for signals without a unit.</summary>
    public static string Format(string signal, double value)
    {
        var v = value.ToString(Math.Abs(value) >= 100 ? "0" : "0.##", CultureInfo.InvariantCulture);
        return UnitOf(signal) switch
        {
            Unit.Percent => v + "%",
            Unit.Milliseconds => v + " ms",
            Unit.MegabytesPerMinute => v + " MB/min",
            Unit.Megabytes => v + " MB",
            _ => v,
        };
    }

    /// <summary>The unit a built-in signal is measured in.</summary>
    public enum Unit
    {
        /// <summary>A plain number: a count, or a custom query's value.</summary>
        Number,
        /// <summary>Percent (0–100).</summary>
        Percent,
        /// <summary>Milliseconds.</summary>
        Milliseconds,
        /// <summary>Megabytes (2^20 bytes).</summary>
        Megabytes,
        /// <summary>Megabytes per minute.</summary>
        MegabytesPerMinute,
    }

    /// <summary>The unit of a signal by its name (<see cref="HealthSignals"/>); Number for signals without one (counts,
    /// custom queries).</summary>
    public static Unit UnitOf(string signal) => signal switch
    {
        HealthSignals.ErrorRate or HealthSignals.ThroughputDrop or HealthSignals.CpuPercent or HealthSignals.MemoryPercent => Unit.Percent,
        HealthSignals.P95 or HealthSignals.P99 or HealthSignals.HealthLatency or HealthSignals.DbLatency or HealthSignals.RedisLatency
            or HealthSignals.WebSocketLatency => Unit.Milliseconds,
        HealthSignals.Memory => Unit.Megabytes,
        HealthSignals.MemoryGrowth => Unit.MegabytesPerMinute,
        _ => Unit.Number,
    };
}

/// <summary>Names of the signals the built-in sources produce; PromQL queries and gauges may add any others.</summary>
public static class HealthSignals
{
    /// <summary>Percentage of requests in the window answered with an error status (default 5xx).</summary>
    public const string ErrorRate = "errorRate";
    /// <summary>95th percentile request latency in the window, milliseconds.</summary>
    public const string P95 = "p95";
    /// <summary>99th percentile request latency in the window, milliseconds.</summary>
    public const string P99 = "p99";
    /// <summary>Requests counted in the window (the evidence behind errorRate, p95 and p99).</summary>
    public const string Requests = "requests";
    /// <summary>Resident memory of all targets, MB.</summary>
    public const string Memory = "memory";
    /// <summary>Resident memory growth, MB per minute (least-squares slope over the growth window).</summary>
    public const string MemoryGrowth = "memoryGrowth";
    /// <summary>Counter resets seen in the window (a target restarted).</summary>
    public const string Restarts = "restarts";
    /// <summary>
    /// Scrape targets or health endpoints that refused the connection this sample (the application is not listening);
    /// the highest count of any one source, so an application both scraped and probed counts once.
    /// </summary>
    public const string Refused = "refused";
    /// <summary>Consecutive failed health-endpoint probes (worst endpoint).</summary>
    public const string HealthDown = "healthDown";
    /// <summary>Slowest health-endpoint answer, milliseconds.</summary>
    public const string HealthLatency = "healthLatency";
    /// <summary>Consecutive failed <c>SELECT 1</c> probes of the database.</summary>
    public const string DbDown = "dbDown";
    /// <summary><c>SELECT 1</c> round trip, milliseconds.</summary>
    public const string DbLatency = "dbLatency";
    /// <summary>Consecutive failed Redis PINGs.</summary>
    public const string RedisDown = "redisDown";
    /// <summary>Redis PING round trip, milliseconds.</summary>
    public const string RedisLatency = "redisLatency";
    /// <summary>Requests per second in the window.</summary>
    public const string RequestRate = "requestRate";
    /// <summary>Requests per second before the deployment (the throughput baseline window ending at the deployment time).</summary>
    public const string RequestRateBefore = "requestRateBefore";
    /// <summary>How much the request rate fell against the rate before the deployment, percent (negative: it rose);
    /// derived by the decision engine from <see cref="RequestRate"/> and <see cref="RequestRateBefore"/>.</summary>
    public const string ThroughputDrop = "throughputDrop";
    /// <summary>Connections the database user holds on its database (pg_stat_activity, the watch's own excluded).</summary>
    public const string DbConnections = "dbConnections";
    /// <summary>Growth of <see cref="DbConnections"/> since the watch began (a leaking pool grows).</summary>
    public const string DbConnectionGrowth = "dbConnectionGrowth";
    /// <summary>Log lines matching the error patterns, per minute in the window (every configured log).</summary>
    public const string LogErrorRate = "logErrorRate";
    /// <summary>Error lines per minute before the watch (lines stamped within the baseline window).</summary>
    public const string LogErrorRateBefore = "logErrorRateBefore";
    /// <summary>Error patterns not seen before the watch that occurred at least <c>newPatternMinCount</c> times since.</summary>
    public const string LogNewPatterns = "logNewPatterns";
    /// <summary>The error-line rate as a multiple of the rate before (never below 1 line/min, so one error after a clean log is 1×);
    /// derived by the decision engine.</summary>
    public const string LogErrorIncrease = "logErrorIncrease";
    /// <summary>Consecutive failed WebSocket probes (upgrade handshake plus a text echo); a refused connection or a
    /// failed handshake counts at once.</summary>
    public const string WebSocketDown = "websocketDown";
    /// <summary>WebSocket probe round trip (connect, handshake and echo), milliseconds.</summary>
    public const string WebSocketLatency = "websocketLatency";
    /// <summary>CPU of the application's processes (or container) since the previous sample, percent of its CPU quota
    /// (cgroup or container limit), else of the host's CPUs.</summary>
    public const string CpuPercent = "cpuPercent";
    /// <summary>Memory of the application's processes (or container), percent of its cgroup or container memory limit,
    /// else of the host's memory.</summary>
    public const string MemoryPercent = "memoryPercent";
}
