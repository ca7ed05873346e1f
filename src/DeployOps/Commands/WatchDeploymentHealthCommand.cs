using System.Management.Automation;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Health;
using DeployOps.Engine.Rollback;
using DeployOps.Hosting;

namespace DeployOps.Commands;

/// <summary>
/// Watches a deployment's health on the monitoring timeline, emitting one HealthSample per interval and the final
/// HealthDecision. Stops on a Rollback verdict unless -Duration asks to keep watching. -Replay judges recorded
/// samples again, offline, with the configuration's current rules.
/// </summary>
[Cmdlet(VerbsCommon.Watch, "DeploymentHealth", DefaultParameterSetName = PathSet, SupportsShouldProcess = true)]
[OutputType(typeof(HealthSample), typeof(HealthDecision))]
public sealed class WatchDeploymentHealthCommand : ConfiguredCmdlet
{
    // The shared Path/Config sets (a live watch) crossed with -Replay.
    /// <summary>The parameter set of -Path with -Replay: judge recorded samples with the configuration a path
    /// names.</summary>
    public const string PathReplaySet = PathSet + "Replay";
    /// <summary>The parameter set of -Config with -Replay: judge recorded samples with a piped configuration.</summary>
    public const string ConfigReplaySet = ConfigSet + "Replay";

    /// <summary>deployops.yaml, or a folder holding it; default: the one in the current location.</summary>
    [Parameter(ParameterSetName = PathSet, Position = 0)]
    [Parameter(ParameterSetName = PathReplaySet, Position = 0)]
    public override string? Path { get; set; }

    /// <summary>A configuration from Test-DeploymentConfig.</summary>
    [Parameter(ParameterSetName = ConfigSet, Mandatory = true, ValueFromPipeline = true)]
    [Parameter(ParameterSetName = ConfigReplaySet, Mandatory = true, ValueFromPipeline = true)]
    public override DeploymentConfig? Config { get; set; }

    /// <summary>The deployment whose folder in the state directory receives the samples and decision records.</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = ConfigSet)]
    public string? DeploymentId { get; set; }

    /// <summary>How long to watch (default health.duration). Given explicitly, the watch continues after a Rollback verdict.</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = ConfigSet)]
    [DurationTransformation]
    public TimeSpan? Duration { get; set; }

    /// <summary>A fixed sampling interval instead of the timeline's.</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = ConfigSet)]
    [DurationTransformation]
    public TimeSpan? Interval { get; set; }

    /// <summary>
    /// Stop at the first Healthy sample, at the first Rollback/Investigate decision, or only at a Rollback verdict
    /// (Rollback: else the whole window, also with -Duration).
    /// </summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = ConfigSet)]
    [ValidateSet("Healthy", "Decision", "Rollback")]
    public string? Until { get; set; }

    /// <summary>On a Rollback verdict, roll the watched deployment back (Invoke-Rollback) with the decision record.</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = ConfigSet)]
    public SwitchParameter AutoRollback { get; set; }

    /// <summary>A recorded health-samples.jsonl to judge again with the current rules.</summary>
    [Parameter(ParameterSetName = PathReplaySet, Mandatory = true)]
    [Parameter(ParameterSetName = ConfigReplaySet, Mandatory = true)]
    public string? Replay { get; set; }

    /// <summary>Watches (or with -Replay re-judges) the health of this pipeline input's deployment and writes samples
    /// and the decision.</summary>
    protected override void ProcessInput()
    {
        var config = ResolveConfig();
        HealthDecision decision;
        if (Replay is not null)
        {
            var file = ResolvePath(Replay)!;
            decision = RunEngine((sink, ct) => HealthReplay.RunAsync(config, file, sink, cancellationToken: ct));
        }
        else
        {
            var options = new WatchOptions
            {
                DeploymentId = DeploymentId,
                Duration = Duration,
                Interval = Interval,
                Until = Until is null ? WatchUntil.Duration : Enum.Parse<WatchUntil>(Until, ignoreCase: true),
                StopOnRollback = Duration is null,
                AutoRollback = AutoRollback,
                RollbackTrigger = AutoRollback ? new AutomaticRollbackTrigger(config) : null,
            };
            decision = RunEngine((sink, ct) => HealthWatcher.WatchAsync(config, options, sink, ct));
        }
        WriteObject(decision);
    }
}
