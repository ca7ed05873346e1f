using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Checks.Tcp;

internal sealed class TcpCheck : ICheck, OnTarget.ITargetableCheck
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
        return Judge(await TcpProbe.ConnectAsync(_host, _port, cancellationToken).ConfigureAwait(false), Target);
    }

    public ICheck On(Targets.SshTarget target) => new RemoteTcpCheck(this, target, _host, _port);

    /// <summary>The verdict on one connection attempt, made here or from a target (<paramref name="target"/> says which).</summary>
    internal CheckOutcome Judge(TcpProbe.Result result, string target)
    {
        var ms = Math.Round(result.Latency.TotalMilliseconds, 2);
        var data = new Dictionary<string, object?> { ["host"] = _host, ["port"] = _port, ["latencyMs"] = ms };
        if (!result.Connected) return CheckOutcome.Fail($"{target}: {result.Problem}", data);
        if (_warnLatency is { } warn && result.Latency > warn)
            return CheckOutcome.Warn($"{target} accepted a connection in {ms} ms (above {ValueParsers.FormatDuration(warn)})", data);
        return CheckOutcome.Pass($"{target} accepted a connection in {ms} ms", data);
    }
}
