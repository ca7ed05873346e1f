using System.Globalization;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies.Steps;
using DeployOps.Engine.Timing;
using DeployOps.Engine.Traffic;

namespace DeployOps.Engine.Strategies;

/// <summary>Everything one deployment's phases share: targets, steps, router, journal and output.</summary>
internal sealed class DeploymentRun : IStepProcessJournal
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    public DeploymentRun(ConfigModel config, string id, DeploymentStrategy strategy, string version, string? previousVersion,
        IDeploymentHooks? hooks, ICanaryGate gate, bool noBackup, IOutputSink sink, ITrafficRouter? router, DeploymentLog log,
        IReadOnlyDictionary<string, string> fields)
    {
        Config = config;
        Id = id;
        Strategy = strategy;
        Version = version;
        PreviousVersion = previousVersion;
        Hooks = hooks;
        Gate = gate;
        NoBackup = noBackup;
        Sink = sink;
        Router = router;
        Log = log;
        Steps = new StepRunner(config, log, this);
        Fields = new Dictionary<string, string>(fields, StringComparer.Ordinal);
    }

    public ConfigModel Config { get; }
    public DeploymentSettings Settings => Config.Deployment;
    public string Id { get; }
    public DeploymentStrategy Strategy { get; }
    public string Version { get; }
    public string? PreviousVersion { get; }
    public IDeploymentHooks? Hooks { get; }
    public ICanaryGate Gate { get; }
    public bool NoBackup { get; }
    public IOutputSink Sink { get; }
    public ITrafficRouter? Router { get; }
    public DeploymentLog Log { get; }
    public StepRunner Steps { get; }
    /// <summary>Resume data journaled as annotations (target slot, failed instances…).</summary>
    public Dictionary<string, string> Fields { get; }
    /// <summary>Completed phases run again on resume (verification before traffic): their steps are not skipped.</summary>
    public HashSet<string> Rerun { get; } = new(StringComparer.Ordinal);
    /// <summary>The clock of waits that are part of the plan (a rollout timeout, a soak); tests pass a fake one.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;
    /// <summary>Null while planning for -WhatIf.</summary>
    public DeploymentTracker? Tracker { get; set; }

    string IStepProcessJournal.DeploymentId => Id;

    Task IStepProcessJournal.ProcessStartedAsync(string phase, string step, Processes.ChildProcessStarted started) =>
        Tracker?.ProcessStartedAsync(phase, step, started) ?? Task.CompletedTask;

    Task IStepProcessJournal.ProcessEndedAsync(string phase, string step, Processes.ChildProcessStarted started, Processes.ChildProcessResult result) =>
        Tracker?.ProcessEndedAsync(phase, step, started, result) ?? Task.CompletedTask;

    public ITrafficRouter RequireRouter() => Router ?? throw new DeployOpsException(ErrorIds.TrafficNotConfigured,
        ErrorKind.InvalidOperation, $"the {Strategy} strategy moves traffic, but {Config.FilePath} has no deployment.traffic section", Config.FilePath);

    public StepContext ContextFor(DeploymentTarget? target, bool isSlot) =>
        new(Version, PreviousVersion, isSlot ? target?.Name : null, isSlot ? null : target?.Name, target?.Host, target?.Port) { Remote = target?.Remote };

    public async Task AnnotateAsync(string field, string value, CancellationToken ct)
    {
        Fields[field] = value;
        if (Tracker is not null) await Tracker.AnnotateAsync(field, value, ct).ConfigureAwait(false);
    }

    /// <summary>"install: npm ci" lines for the plan, rendered for the target.</summary>
    public IEnumerable<string> DescribeSteps(IEnumerable<string> stepPhases, StepContext context) =>
        stepPhases.SelectMany(p => Settings.StepsFor(p).Select(s => Config.Redactor.Redact($"{p}: {s.Name} -> {StepRunner.Describe(s, context)}")));

    /// <summary>Runs the steps of <paramref name="stepPhases"/> in order; a resumed deployment skips steps already journaled.</summary>
    public async Task RunStepsAsync(string phase, IEnumerable<string> stepPhases, StepContext context, CancellationToken ct)
    {
        var target = context.Instance ?? context.Slot ?? "deployment";
        context = await Docker.DockerDeployments.WithImageIdAsync(this, stepPhases, context, ct).ConfigureAwait(false);
        foreach (var stepPhase in stepPhases)
        {
            foreach (var step in Settings.StepsFor(stepPhase))
            {
                var key = $"{stepPhase}/{step.Name}@{target}";
                if (!Rerun.Contains(phase) && Tracker?.IsStepCompleted(phase, key) == true) continue;
                ct.ThrowIfCancellationRequested();
                Sink.WriteProgress(new ProgressUpdate(DeploymentEngine.StepActivityId, $"{phase}", $"{stepPhase}: {step.Name} on {target}",
                    ParentActivityId: DeploymentEngine.PhaseActivityId));
                Sink.WriteVerbose(Config.Redactor.Redact($"[{phase}] {stepPhase}: {step.Name} on {target}"));
                if (step.Kind == StepKind.Docker) await Docker.DockerDeployments.ReplaceContainerAsync(this, step, context, ct).ConfigureAwait(false);
                else await Steps.RunAsync(stepPhase, step, context, ct).ConfigureAwait(false);
                if (Tracker is not null) await Tracker.StepCompletedAsync(phase, key, null, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Waits until the target answers its readiness path with 2xx.</summary>
    public async Task WaitReadyAsync(DeploymentTarget target, CancellationToken ct)
    {
        var url = target.BaseUrl + Settings.ReadinessPath;
        var last = "no answer";
        var ready = await Poll.UntilAsync(async c =>
        {
            try
            {
                using var response = await Http.GetAsync(url, c).ConfigureAwait(false);
                last = $"answered {(int)response.StatusCode}";
                return response.IsSuccessStatusCode ? last : null;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !c.IsCancellationRequested)
            {
                last = ex.Message;
                return null;
            }
        }, Settings.ReadinessTimeout, Settings.ReadinessInterval, TimeProvider.System, ct).ConfigureAwait(false);
        if (ready is null)
            throw new DeployOpsException(ErrorIds.DeploymentVerificationFailed, ErrorKind.OperationTimeout,
                Config.Redactor.Redact($"{target.Name}: {url} did not become ready within {ValueParsers.FormatDuration(Settings.ReadinessTimeout)} (last: {last})"),
                target.Name);
        Log.Write($"{target.Name} is ready: {url} {ready}");
    }

    /// <summary>Asks (-Confirm) and then moves traffic through the router, confirmed or restored.</summary>
    public async Task<TrafficChange> MoveTrafficAsync(string action, IReadOnlyList<TrafficBackend> backends, CancellationToken ct)
    {
        var router = RequireRouter();
        if (!Sink.ShouldProcess(router.Target, action)) throw new TrafficDeclinedException(action);
        var change = await router.ApplyAsync(backends, ct).ConfigureAwait(false);
        Log.Write($"traffic: {change.From} -> {change.To} confirmed after {change.Probes} probe(s) in {change.Duration.TotalMilliseconds:0} ms");
        return change;
    }

    /// <summary>Compensation: traffic back without asking (the deployment already failed).</summary>
    public async Task RestoreTrafficAsync(IReadOnlyList<TrafficBackend> backends, CancellationToken ct)
    {
        var change = await RequireRouter().ApplyAsync(backends, ct).ConfigureAwait(false);
        Log.Write($"traffic restored: {change.To}");
        Sink.WriteWarning(Config.Redactor.Redact($"Traffic restored to {change.To}"));
    }

    public static string Percent(double value) => value.ToString("0.#", CultureInfo.InvariantCulture) + "%";
}
