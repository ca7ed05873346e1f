namespace DeployOps.Engine.Strategies;

/// <summary>How a deployment puts the new version in place (deployment.strategy).</summary>
public enum DeploymentStrategy
{
    /// <summary>Deploy to the idle slot, verify it, switch all traffic, keep the old slot for instant switch-back.</summary>
    BlueGreen,
    /// <summary>Deploy to the idle slot and shift traffic in weighted steps, each gated on health.</summary>
    Canary,
    /// <summary>Instances in batches: out of the router, deploy, verify, back in.</summary>
    Rolling,
    /// <summary>In place on the live target(s) with a smoke test only.</summary>
    Hotfix,
}

/// <summary>What a canary gate does with an inconclusive verdict.</summary>
public enum InconclusiveAction
{
    /// <summary>Pause until Approve-Deployment (or the approval timeout, which fails the canary).</summary>
    Wait,
    /// <summary>Treat it as a failure: weight 0 and stop.</summary>
    Fail,
    /// <summary>Go on to the next step.</summary>
    Proceed,
}

/// <summary>What a rolling deployment does when an instance fails past its failure budget (<c>rolling.onFailure</c>).</summary>
public enum RollingFailureAction
{
    /// <summary>Stop: healthy instances back into rotation, failed ones stay out on the new version.</summary>
    Stop,
    /// <summary>Put the failed and already-updated instances back on the previous version and into rotation.</summary>
    Rollback,
}
