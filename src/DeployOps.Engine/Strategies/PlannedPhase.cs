using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;

namespace DeployOps.Engine.Strategies;

internal enum PhaseKind
{
    PreChecks,
    Hook,
    Deploy,
    Verify,
    Traffic,
    Gate,
    PostVerify,
}

/// <summary>One journaled phase of a strategy's plan: what it does (for -WhatIf) and how to run and undo it.</summary>
internal sealed class PlannedPhase
{
    public required string Name { get; init; }
    public required PhaseKind Kind { get; init; }
    public required string Action { get; init; }
    public string Target { get; init; } = "";
    public IReadOnlyList<string> Details { get; init; } = Array.Empty<string>();
    /// <summary>Does the work; returns the detail journaled with the phase's end.</summary>
    public required Func<CancellationToken, Task<string?>> Run { get; init; }
    /// <summary>Compensation after this phase failed (canary weight 0, switch back…); returns the final outcome.</summary>
    public Func<DeployOpsException, CancellationToken, Task<DeploymentOutcome>>? OnFailure { get; init; }

    public bool MovesTraffic => Kind == PhaseKind.Traffic;

    /// <summary>
    /// This phase with its work wrapped by <paramref name="wrap"/> (which calls the original <see cref="Run"/>), and
    /// optionally another action and details; name, kind, target and compensation stay.
    /// </summary>
    public PlannedPhase Wrapped(Func<Func<CancellationToken, Task<string?>>, Func<CancellationToken, Task<string?>>> wrap,
        string? action = null, IReadOnlyList<string>? details = null) => new()
    {
        Name = Name,
        Kind = Kind,
        Action = action ?? Action,
        Target = Target,
        Details = details ?? Details,
        OnFailure = OnFailure,
        Run = wrap(Run),
    };

    public DeploymentPlanItem ToItem(int order) => new(order, Name, Action, Target, Details, MovesTraffic);
}

/// <summary>The operator answered no to a traffic move under -Confirm: stop here, resumable later.</summary>
internal sealed class TrafficDeclinedException : Exception
{
    public TrafficDeclinedException(string action) : base($"the operator declined: {action}") { }
}
