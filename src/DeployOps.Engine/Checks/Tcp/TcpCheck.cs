using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Checks.Tcp;

internal sealed class TcpCheck : ICheck
{
    private readonly string _host;
    private readonly int _port;
    private readonly TimeSpan? _warnLatency;

    public TcpCheck(string host, int port, TimeSpan? warnLatency)
    {
        _host = host;
        _port = port;
        _warnLatency = warnLatency;
    }

    public string Target => _host.Contains(':') ? $"[{_host}]:{_port}" : $"{_host}:{_port}";

    public async Task<CheckOutcome> RunAsync(CancellationToken cancellationToken)
    {
        var result = await TcpProbe.ConnectAsync(_host, _port, cancellationToken).ConfigureAwait(false);
        var ms = Math.Round(result.Latency.TotalMilliseconds, 2);
        var data = new Dictionary<string, object?> { ["host"] = _host, ["port"] = _port, ["latencyMs"] = ms };
        if (!result.Connected) return CheckOutcome.Fail($"{Target}: {result.Problem}", data);
        if (_warnLatency is { } warn && result.Latency > warn)
            return CheckOutcome.Warn($"{Target} accepted a connection in {ms} ms (above {ValueParsers.FormatDuration(warn)})", data);
        return CheckOutcome.Pass($"{Target} accepted a connection in {ms} ms", data);
    }
}
