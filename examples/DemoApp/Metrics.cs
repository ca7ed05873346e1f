using System.Globalization;
using System.Text;

namespace DeployOps.DemoApp;

/// <summary>Request counters and a latency histogram, rendered in the Prometheus text exposition format.</summary>
public sealed class Metrics
{
    private static readonly double[] Buckets = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };
    private readonly object _gate = new();
    private readonly Dictionary<int, long> _requestsByStatus = new();
    private readonly long[] _bucketCounts = new long[Buckets.Length];
    private long _count;
    private double _sum;
    private int _active;

    public int ActiveConnections => Volatile.Read(ref _active);

    public void ConnectionOpened() => Interlocked.Increment(ref _active);
    public void ConnectionClosed() => Interlocked.Decrement(ref _active);

    public void Observe(int status, double seconds, string path)
    {
        lock (_gate)
        {
            _requestsByStatus[status] = _requestsByStatus.GetValueOrDefault(status) + 1;
            for (var i = 0; i < Buckets.Length; i++) if (seconds <= Buckets[i]) _bucketCounts[i]++;
            _count++;
            _sum += seconds;
        }
    }

    public string Render(long residentBytes)
    {
        var s = new StringBuilder();
        lock (_gate)
        {
            s.AppendLine("# HELP http_requests_total Requests handled, by status code.");
            s.AppendLine("# TYPE http_requests_total counter");
            foreach (var (status, n) in _requestsByStatus.OrderBy(kv => kv.Key))
                s.Append("http_requests_total{status=\"").Append(status).Append("\"} ").Append(n).AppendLine();
            s.AppendLine("# HELP http_request_duration_seconds Request latency.");
            s.AppendLine("# TYPE http_request_duration_seconds histogram");
            for (var i = 0; i < Buckets.Length; i++)
                s.Append("http_request_duration_seconds_bucket{le=\"").Append(Buckets[i].ToString(CultureInfo.InvariantCulture))
                    .Append("\"} ").Append(_bucketCounts[i]).AppendLine();
            s.Append("http_request_duration_seconds_bucket{le=\"+Inf\"} ").Append(_count).AppendLine();
            s.Append("http_request_duration_seconds_sum ").Append(_sum.ToString("R", CultureInfo.InvariantCulture)).AppendLine();
            s.Append("http_request_duration_seconds_count ").Append(_count).AppendLine();
        }
        s.AppendLine("# HELP process_resident_memory_bytes Resident memory size in bytes.");
        s.AppendLine("# TYPE process_resident_memory_bytes gauge");
        s.Append("process_resident_memory_bytes ").Append(residentBytes).AppendLine();
        s.AppendLine("# HELP demo_active_connections Requests in flight.");
        s.AppendLine("# TYPE demo_active_connections gauge");
        s.Append("demo_active_connections ").Append(ActiveConnections).AppendLine();
        return s.ToString();
    }
}
