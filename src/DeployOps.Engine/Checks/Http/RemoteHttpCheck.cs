using System.Globalization;
using System.Text;
using DeployOps.Engine.Checks.OnTarget;
using DeployOps.Engine.Targets;

namespace DeployOps.Engine.Checks.Http;

/// <summary>
/// An http check sent from a target by <c>curl</c> there (the address is the host's view: its 127.0.0.1, its DNS, its
/// firewall), judged like the local one. curl reads its request from a config on stdin, built from a variable that
/// travels over the ssh channel's stdin, so header values (tokens) never appear on a command line on either host.
/// </summary>
internal sealed class RemoteHttpCheck : ICheck
{
    private const string ConfigVariable = "DEPLOYOPS_CURL_CONFIG";
    // The body is kept below the output capture's bound; health and inventory answers are small.
    private const int MaxBodyBytes = 200_000;

    private static readonly string Script = $$"""
        cfg=${{ConfigVariable}}; unset {{ConfigVariable}}
        command -v curl >/dev/null 2>&1 || { echo "deployops-http-nocurl"; exit 0; }
        body=$(mktemp) || exit 1
        trap 'rm -f "$body"' EXIT
        if w=$(printf '%s' "$cfg" | curl -sS --proto =http,https -K - -o "$body" -w '\ndeployops-http-answer %{http_code} %{time_total} %{content_type}' 2>&1); then
          printf '%s\n' "${w##*$'\n'}"
          echo "deployops-http-body"
          head -c {{MaxBodyBytes}} "$body"
        else
          printf 'deployops-http-failed %s\n' "${w%%$'\n'deployops-http-answer*}" | head -n 1
        fi
        """;

    private readonly HttpCheck _local;
    private readonly HttpCheckSettings _s;
    private readonly SshTarget _target;

    public RemoteHttpCheck(HttpCheck local, HttpCheckSettings settings, SshTarget target)
    {
        _local = local;
        _s = settings;
        _target = target;
    }

    public string Target => $"{_target.Name} -> {_local.Target}";

    public async Task<CheckOutcome> RunAsync(CancellationToken cancellationToken)
    {
        var data = _local.NewData();
        if (CurlConfig() is not { } config)
            return CheckOutcome.Fail("a header name or value contains a line break or a NUL; it cannot be sent", data);
        var environment = new Dictionary<string, string?> { [ConfigVariable] = config };
        var (result, failure) = await TargetScript.RunAsync(_target, Script, Array.Empty<string>(), environment, data, cancellationToken)
            .ConfigureAwait(false);
        if (failure is not null) return failure;
        if (TargetScript.Line(result!, "deployops-http-nocurl") is not null)
            return CheckOutcome.Fail($"curl is not installed on {_target.Name} (apt-get install -y curl there); the request was not sent", data);
        if (TargetScript.Line(result!, "deployops-http-failed") is { } problem)
        {
            data["error"] = problem;
            return CheckOutcome.Fail($"{_s.Method} {_s.Url} from {_target.Name} failed: {problem}", data);
        }
        var answer = TargetScript.Line(result!, "deployops-http-answer")?.Split(' ', 3);
        if (answer is not { Length: >= 2 } || !int.TryParse(answer[0], NumberStyles.None, CultureInfo.InvariantCulture, out var status)
            || !double.TryParse(answer[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
            return CheckOutcome.Fail($"curl on {_target.Name} gave no usable answer: {TargetScript.Said(result!)}", data);
        return _local.Judge(status, null, Body(result!.Output), TimeSpan.FromSeconds(seconds), answer.Length > 2 ? answer[2] : null, data);
    }

    private static string Body(string output)
    {
        const string marker = "deployops-http-body\n";
        var at = output.IndexOf(marker, StringComparison.Ordinal);
        return at < 0 ? "" : output[(at + marker.Length)..];
    }

    /// <summary>curl's config syntax: one option per line, values in double quotes with \ and " escaped.</summary>
    private string? CurlConfig()
    {
        var lines = new StringBuilder();
        lines.Append("url = ").Append(Quoted(_s.Url.AbsoluteUri)).Append('\n');
        lines.Append("request = ").Append(Quoted(_s.Method)).Append('\n');
        foreach (var (name, value) in _s.Headers)
        {
            if ((name + value).IndexOfAny(new[] { '\r', '\n', '\0' }) >= 0) return null;
            lines.Append("header = ").Append(Quoted($"{name}: {value}")).Append('\n');
        }
        if (_s.InsecureSkipVerify) lines.Append("insecure\n");
        return lines.ToString();
    }

    private static string Quoted(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
