using DeployOps.Engine.Hosting;
using DeployOps.Engine.Processes;

namespace DeployOps.Engine.Targets;

/// <summary>
/// Tells ssh's own failures (exit 255 with its diagnostic) from a remote command that failed, so the operator reads
/// "host web3: host key changed" instead of "exit code 255".
/// </summary>
internal static class RemoteFailure
{
    /// <summary>
    /// <see cref="Classify"/>, and for an exit 255 that says nothing (a step multiplexed over a control master whose
    /// connection died prints no diagnostic), one fresh connection attempt tells a dead host from a command's own 255.
    /// </summary>
    public static async Task<DeployOpsException?> ClassifyAsync(SshTarget target, ChildProcessResult result, CancellationToken cancellationToken)
    {
        if (Classify(target, result) is { } known) return known;
        if (result.ExitCode != SshTransport.SshFailureExitCode) return null;
        var probe = await ChildProcess.RunAsync(new ChildProcessSpec
        {
            FileName = "true",
            Remote = target,
            Timeout = target.ConnectTimeout + TimeSpan.FromSeconds(10),
        }, null, cancellationToken).ConfigureAwait(false);
        if (probe.Succeeded) return null;
        return Classify(target, probe) ?? new DeployOpsException(ErrorIds.TargetUnreachable, ErrorKind.ConnectionError,
            $"host {target.Name} ({target.Address}:{target.Port}) is unreachable: it dropped the connection and does not answer again ({LastLine(probe.Output)})", target.Name);
    }

    public static DeployOpsException? Classify(SshTarget target, ChildProcessResult result)
    {
        if (result.ExitCode != SshTransport.SshFailureExitCode) return null;
        var output = result.Output;
        if (Has(output, "REMOTE HOST IDENTIFICATION HAS CHANGED") || Has(output, "Host key verification failed"))
            return new DeployOpsException(ErrorIds.TargetHostKeyRejected, ErrorKind.SecurityError,
                $"host {target.Name} ({target.Address}:{target.Port}): its host key does not match {target.KnownHostsFile} " +
                "(changed, or never recorded); refused. Verify the new key out of band before replacing the entry.", target.Name);
        if (Has(output, "Permission denied"))
            return new DeployOpsException(ErrorIds.TargetAuthenticationFailed, ErrorKind.PermissionDenied,
                $"host {target.Name} ({target.User}@{target.Address}:{target.Port}) refused our key " +
                (target.UsesAgent ? "(the keys of ssh-agent)" : $"({target.IdentityFile})"), target.Name);
        if (Has(output, "Connection timed out") || Has(output, "No route to host") || Has(output, "Connection refused")
            || Has(output, "Timeout, server") || Has(output, "closed by remote host") || Has(output, "Connection reset")
            || Has(output, "Network is unreachable") || Has(output, "Could not resolve hostname") || Has(output, "Broken pipe")
            || Has(output, "client_loop: send disconnect"))
            return new DeployOpsException(ErrorIds.TargetUnreachable, ErrorKind.ConnectionError,
                $"host {target.Name} ({target.Address}:{target.Port}) is unreachable or dropped the connection: {LastLine(output)}", target.Name);
        return null;
    }

    private static bool Has(string output, string text) => output.Contains(text, StringComparison.OrdinalIgnoreCase);

    private static string LastLine(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "no output";
}
