using System.Globalization;
using DeployOps.Engine.Checks.OnTarget;
using DeployOps.Engine.Targets;

namespace DeployOps.Engine.Checks.Tcp;

/// <summary>
/// A tcp check made from a target: bash's <c>/dev/tcp</c> there (no extra tool on the host), so it proves the host can
/// reach the port (its database, its cache), which a connection from the operator's host does not.
/// </summary>
internal sealed class RemoteTcpCheck : ICheck
{
    // $1 host, $2 port. The connection is opened (and closed) in a subshell; the latency includes that fork.
    private const string Script = """
        start=$(date +%s%N)
        if err=$( { exec 3<>"/dev/tcp/$1/$2"; } 2>&1 ); then
          end=$(date +%s%N); echo "deployops-tcp-us $(( (end - start) / 1000 ))"
        else
          echo "deployops-tcp-failed ${err##*: }"
        fi
        """;

    private readonly TcpCheck _local;
    private readonly SshTarget _target;
    private readonly string _host;
    private readonly int _port;

    public RemoteTcpCheck(TcpCheck local, SshTarget target, string host, int port)
    {
        _local = local;
        _target = target;
        _host = host;
        _port = port;
    }

    public string Target => $"{_target.Name} -> {_local.Target}";

    public async Task<CheckOutcome> RunAsync(CancellationToken cancellationToken)
    {
        var data = new Dictionary<string, object?> { ["host"] = _host, ["port"] = _port };
        var port = _port.ToString(CultureInfo.InvariantCulture);
        var (result, failure) = await TargetScript.RunAsync(_target, Script, new[] { _host, port }, null, data, cancellationToken).ConfigureAwait(false);
        if (failure is not null) return failure;
        var where = $"{_local.Target} from {_target.Name}";
        if (TargetScript.Line(result!, "deployops-tcp-failed") is { } problem)
            return _local.Judge(new TcpProbe.Result(false, TimeSpan.Zero, Reason(problem)), where);
        if (TargetScript.Line(result!, "deployops-tcp-us") is { } text && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var micros))
            return _local.Judge(new TcpProbe.Result(true, TimeSpan.FromMicroseconds(micros), null), where);
        return CheckOutcome.Fail($"the connection test on {_target.Name} gave no answer: {TargetScript.Said(result!)}", data);
    }

    /// <summary>bash's words for the usual failures, in the local check's words.</summary>
    private static string Reason(string bash) => bash switch
    {
        _ when bash.Contains("refused", StringComparison.OrdinalIgnoreCase) => "connection refused (nothing is listening)",
        _ when bash.Contains("Name or service not known", StringComparison.OrdinalIgnoreCase) => "host name not found",
        _ when bash.Contains("timed out", StringComparison.OrdinalIgnoreCase) => "connection timed out",
        _ when bash.Contains("unreachable", StringComparison.OrdinalIgnoreCase) => "host unreachable",
        _ => bash,
    };
}
