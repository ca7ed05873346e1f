using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Checks;

/// <summary>All results of one run, in completion order, and whether the deployment may proceed.</summary>
internal sealed class PreDeploymentReport
{
    public PreDeploymentReport(IReadOnlyList<CheckResult> results, bool strict, TimeSpan duration)
    {
        Results = results;
        Duration = duration;
        Blocking = results.Where(r => r.Status == CheckStatus.Failed || (strict && r.Status == CheckStatus.Warning)).ToList();
    }

    public IReadOnlyList<CheckResult> Results { get; }
    public TimeSpan Duration { get; }
    /// <summary>The results that stop a deployment: failures, and warnings under -Strict.</summary>
    public IReadOnlyList<CheckResult> Blocking { get; }
    public bool Passed => Blocking.Count == 0;

    /// <summary>The non-terminating error a caller writes after the results when the run did not pass.</summary>
    public DeployOpsError? ToError()
    {
        if (Passed) return null;
        var names = string.Join(", ", Blocking.Select(r => $"{r.Name}{(r.Host is null ? "" : " on " + r.Host)} ({r.Status}: {r.Message})"));
        return new DeployOpsError(ErrorIds.PreDeploymentCheckFailed, ErrorKind.InvalidResult,
            $"{Blocking.Count} of {Results.Count} pre-deployment check(s) did not pass: {names}", Blocking);
    }
}
