using DeployOps.Engine.Targets;

namespace DeployOps.Engine.Checks.OnTarget;

/// <summary>
/// A check kind that can also run on a host of <c>targets:</c> (the entry's <c>targets:</c> selector): it measures
/// there — free space, memory, a command, a request or a connection made from that host — not from the operator's.
/// </summary>
internal interface ITargetableCheck
{
    /// <summary>The same check, run on <paramref name="target"/> over SSH.</summary>
    ICheck On(SshTarget target);
}
