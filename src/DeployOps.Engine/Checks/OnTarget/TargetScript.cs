using DeployOps.Engine.Hosting;
using DeployOps.Engine.Processes;
using DeployOps.Engine.Targets;

namespace DeployOps.Engine.Checks.OnTarget;

/// <summary>
/// Runs a small bash script on a target for a check, through the one process primitive (ssh, supervisor, minimal
/// environment sent over stdin, cancellation that ends it on the host). ssh's own failures — unreachable host, changed
/// host key, refused key — come back as the outcome the check reports, naming the host.
/// </summary>
internal static class TargetScript
{
    public static async Task<(ChildProcessResult? Result, CheckOutcome? Failure)> RunAsync(SshTarget target, string script,
        IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string?>? environment, Dictionary<string, object?> data,
        CancellationToken cancellationToken)
    {
        var spec = new ChildProcessSpec
        {
            FileName = "/bin/bash",
            Arguments = new[] { "-c", script, "deployops-check" }.Concat(arguments).ToList(),
            Remote = target,
            Environment = environment ?? new Dictionary<string, string?>(),
            // The runner's per-check timeout cancels the token.
            Timeout = Timeout.InfiniteTimeSpan,
        };
        var result = await ChildProcess.RunAsync(spec, null, cancellationToken).ConfigureAwait(false);
        if (await RemoteFailure.ClassifyAsync(target, result, cancellationToken).ConfigureAwait(false) is { } failure)
            return (null, Failed(failure, data));
        return (result, null);
    }

    /// <summary>An ssh failure as a check's Fail: the message names the host, Data keeps the ErrorId for scripts.</summary>
    public static CheckOutcome Failed(DeployOpsException failure, Dictionary<string, object?> data)
    {
        data["errorId"] = failure.ErrorId;
        return CheckOutcome.Fail(failure.Message, data);
    }

    /// <summary>The value after <paramref name="marker"/> on the script's line that starts with it, or null.</summary>
    public static string? Line(ChildProcessResult result, string marker) =>
        result.Output.Split('\n').Select(l => l.TrimEnd('\r'))
            .FirstOrDefault(l => l.StartsWith(marker + " ", StringComparison.Ordinal) || l == marker) is { } line
            ? line[marker.Length..].Trim() : null;

    /// <summary>What the script printed besides its marker lines, for a failure message.</summary>
    public static string Said(ChildProcessResult result)
    {
        var text = string.Join(" ", result.Tail.Where(l => !l.StartsWith("deployops-", StringComparison.Ordinal))).Trim();
        return text.Length == 0 ? $"exit code {result.ExitCode}" : text;
    }
}
