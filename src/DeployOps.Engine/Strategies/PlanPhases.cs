using DeployOps.Engine.Checks;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;

namespace DeployOps.Engine.Strategies;

/// <summary>The phases every strategy shares: pre-checks, hooks, deploying a target and verifying it.</summary>
internal static class PlanPhases
{
    public static readonly string[] DeploySteps = { "stop", "install", "migrate", "build", "start" };
    public static readonly string[] DeployStepsWithoutMigrate = { "stop", "install", "build", "start" };

    public static PlannedPhase? PreChecks(DeploymentRun run, bool skip)
    {
        if (skip || run.Config.Checks.Count == 0) return null;
        return new PlannedPhase
        {
            Name = "pre-checks",
            Kind = PhaseKind.PreChecks,
            Action = $"Run {run.Config.Checks.Count} pre-deployment check(s)",
            Target = run.Config.FilePath,
            Details = run.Config.Checks.Select(c => $"{c.Name} ({c.Kind})").ToList(),
            Run = async ct =>
            {
                var report = await PreDeploymentRunner.RunAsync(run.Config, new PreDeploymentOptions { Command = "Invoke-Deployment" },
                    new VerboseRecords(run.Sink), ct).ConfigureAwait(false);
                if (!run.Sink.IsDryRun) Reports.PreCheckEvidence.Write(run.Config, run.Id, report, run.Sink);
                if (report.ToError() is { } error) throw new DeployOpsException(error.ErrorId, error.Kind, error.Message, run.Config.FilePath);
                return $"{report.Results.Count} check(s) passed";
            },
        };
    }

    public static PlannedPhase? BeforeDeploy(DeploymentRun run)
    {
        if (run.Hooks is null) return null;
        return new PlannedPhase
        {
            Name = "before-deploy",
            Kind = PhaseKind.Hook,
            Action = run.NoBackup ? "Before-deploy hooks (no backup)" : "Before-deploy hooks (backup, maintenance)",
            Run = async ct =>
            {
                await run.Hooks.BeforeDeployAsync(HookContext(run, succeeded: false), ct).ConfigureAwait(false);
                return null;
            },
        };
    }

    public static PlannedPhase? AfterDeploy(DeploymentRun run)
    {
        if (run.Hooks is null) return null;
        return new PlannedPhase
        {
            Name = "after-deploy",
            Kind = PhaseKind.Hook,
            Action = "After-deploy hooks (leave maintenance)",
            Run = async ct =>
            {
                await run.Hooks.AfterDeployAsync(HookContext(run, succeeded: true), ct).ConfigureAwait(false);
                return null;
            },
        };
    }

    public static DeploymentHookContext HookContext(DeploymentRun run, bool succeeded) =>
        new(run.Config, run.Id, run.Strategy, run.Version, run.PreviousVersion, run.NoBackup,
            run.Strategy == DeploymentStrategy.Hotfix && run.Settings.HotfixMaintenance, succeeded, run.Sink, run.AnnotateAsync)
        {
            TargetSlot = run.Fields.GetValueOrDefault(DeploymentEngine.TargetSlotField),
        };

    public static PlannedPhase Deploy(DeploymentRun run, string name, DeploymentTarget? target, bool isSlot, string[] stepPhases)
    {
        var context = run.ContextFor(target, isSlot);
        return new PlannedPhase
        {
            Name = name,
            Kind = PhaseKind.Deploy,
            Action = target is null ? $"Run {string.Join("/", stepPhases)} steps for {run.Version}" : $"Deploy {run.Version} to {target}",
            Target = target?.Name ?? "",
            Details = run.DescribeSteps(stepPhases, context).ToList(),
            Run = async ct =>
            {
                await run.RunStepsAsync(name, stepPhases, context, ct).ConfigureAwait(false);
                return null;
            },
        };
    }

    public static PlannedPhase Verify(DeploymentRun run, string name, DeploymentTarget target, bool isSlot, bool readiness = true)
    {
        var context = run.ContextFor(target, isSlot);
        var details = new List<string>();
        if (readiness) details.Add($"ready: GET {target.BaseUrl}{run.Settings.ReadinessPath} answers 2xx");
        details.AddRange(run.DescribeSteps(new[] { "smoke" }, context));
        return new PlannedPhase
        {
            Name = name,
            Kind = PhaseKind.Verify,
            Action = $"Verify {run.Version} on {target} directly",
            Target = target.Name,
            Details = details,
            Run = async ct =>
            {
                if (readiness) await run.WaitReadyAsync(target, ct).ConfigureAwait(false);
                await run.RunStepsAsync(name, new[] { "smoke" }, context, ct).ConfigureAwait(false);
                return $"{target.Name} verified";
            },
        };
    }

    public static PlannedPhase PostVerify(DeploymentRun run, DeploymentTarget target, bool isSlot,
        Func<DeployOpsException, CancellationToken, Task<DeploymentOutcome>>? onFailure)
    {
        var context = run.ContextFor(target, isSlot);
        return new PlannedPhase
        {
            Name = "post-verify",
            Kind = PhaseKind.PostVerify,
            Action = $"Verify {run.Version} through the router",
            Target = run.Router?.Target ?? "",
            Details = run.DescribeSteps(new[] { "verify" }, context).ToList(),
            Run = async ct =>
            {
                await run.RunStepsAsync("post-verify", new[] { "verify" }, context, ct).ConfigureAwait(false);
                return await RouterCheck.VerifyAsync(run, "post-verify", ct).ConfigureAwait(false);
            },
            OnFailure = onFailure,
        };
    }

    /// <summary>
    /// A phase of its own for strategies without a traffic move to verify (hotfix): requests through the router,
    /// counted. Null without a router or with <c>traffic.verifyRequests: 0</c>.
    /// </summary>
    public static PlannedPhase? RouterCheckPhase(DeploymentRun run)
    {
        if (run.Router is null || run.Settings.Traffic.VerifyRequests == 0) return null;
        return new PlannedPhase
        {
            Name = "router-check",
            Kind = PhaseKind.PostVerify,
            Action = $"Send {run.Settings.Traffic.VerifyRequests} request(s) through the router and count the failed ones",
            Target = run.Config.Redactor.Redact(run.Settings.Traffic.ProbeUrl),
            Run = ct => RouterCheck.VerifyAsync(run, "router-check", ct),
        };
    }

    /// <summary>
    /// <paramref name="phase"/>, started only once the router sends nothing more to backends out of rotation (the
    /// slot it stops may have been taken out a moment ago, and an old nginx worker may still be talking to it).
    /// </summary>
    public static PlannedPhase AfterRouterRetired(DeploymentRun run, PlannedPhase phase)
    {
        if (run.Router is not { } router) return phase;
        return phase.Wrapped(work => async ct =>
        {
            var waited = await router.WaitUntilRetiredAsync(ct).ConfigureAwait(false);
            if (waited is not null)
            {
                run.Log.Write($"{phase.Name}: {waited}");
                run.Sink.WriteVerbose($"[{phase.Name}] {waited}");
            }
            var detail = await work(ct).ConfigureAwait(false);
            return waited is null ? detail : detail is null ? waited : $"{waited}; {detail}";
        }, details: phase.Details.Prepend($"first: wait until the router sends nothing more to backends out of rotation (at most {Configuration.ValueParsers.FormatDuration(run.Settings.Traffic.ConfirmTimeout)})").ToList());
    }

    /// <summary>Pre-check results become verbose lines: Invoke-Deployment's output is the deployment record.</summary>
    private sealed class VerboseRecords : IOutputSink
    {
        private readonly IOutputSink _inner;
        public VerboseRecords(IOutputSink inner) => _inner = inner;
        public void WriteRecord(object record) => _inner.WriteVerbose(record is CheckResult r ? $"check {r.Name}: {r.Status} {r.Message}" : record.ToString() ?? "");
        public void WriteProgress(ProgressUpdate progress) => _inner.WriteProgress(progress);
        public void WriteVerbose(string message) => _inner.WriteVerbose(message);
        public void WriteWarning(string message) => _inner.WriteWarning(message);
        public void WriteError(DeployOpsError error) => _inner.WriteError(error);
        public bool ShouldProcess(string target, string action) => _inner.ShouldProcess(target, action);
        public bool IsDryRun => _inner.IsDryRun;
    }
}
