namespace DeployOps.Engine.State;

/// <summary>What a history entry records: a deployment, or an operator's manual traffic switch.</summary>
public enum DeploymentKind
{
    /// <summary>A deployment (Invoke-Deployment, or a baseline of -RecordOnly): what rollbacks, resumes and "the
    /// previous version" are about.</summary>
    Deployment,
    /// <summary>Switch-DeploymentTraffic moved all traffic from one slot to another (see
    /// <see cref="DeploymentRecord.FromSlot"/>, <see cref="DeploymentRecord.ToSlot"/>); it deployed nothing, so it is
    /// never rolled back, resumed or taken for the previous version.</summary>
    TrafficSwitch,
}
