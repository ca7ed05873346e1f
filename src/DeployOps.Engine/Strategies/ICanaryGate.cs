using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Strategies;

internal enum CanaryVerdict
{
    Pass,
    /// <summary>The canary is worse: its weight goes to 0 and the deployment stops.</summary>
    Fail,
    /// <summary>Not enough evidence either way (e.g. too little traffic).</summary>
    Inconclusive,
}

/// <summary>
/// Decides whether a canary step may go on. Called once per step after the traffic moved; the gate owns the
/// observation window (it returns after <see cref="CanaryGateContext.Pause"/> or as soon as it knows).
/// </summary>
internal interface ICanaryGate
{
    Task<CanaryGateResult> EvaluateAsync(CanaryGateContext context, CancellationToken cancellationToken);
}

internal sealed class CanaryGateContext
{
    public CanaryGateContext(ConfigModel config, string deploymentId, string version, DeploymentTarget canary,
        DeploymentTarget baseline, int weightPercent, TimeSpan pause, IOutputSink sink)
    {
        Config = config;
        DeploymentId = deploymentId;
        Version = version;
        Canary = canary;
        Baseline = baseline;
        WeightPercent = weightPercent;
        Pause = pause;
        Sink = sink;
    }

    public ConfigModel Config { get; }
    public string DeploymentId { get; }
    public string Version { get; }
    /// <summary>The slot running the new version.</summary>
    public DeploymentTarget Canary { get; }
    /// <summary>The slot running the previous version.</summary>
    public DeploymentTarget Baseline { get; }
    public int WeightPercent { get; }
    public TimeSpan Pause { get; }
    public IOutputSink Sink { get; }
}

internal sealed class CanaryGateResult
{
    public CanaryGateResult(CanaryVerdict verdict, string reason)
    {
        Verdict = verdict;
        Reason = reason;
    }

    public CanaryVerdict Verdict { get; }
    public string Reason { get; }

    public override string ToString() => $"{Verdict}: {Reason}";
}
