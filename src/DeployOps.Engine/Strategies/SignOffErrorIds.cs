namespace DeployOps.Engine.Hosting;

public static partial class ErrorIds
{
    /// <summary>deployment.approval.required and the sign-off was denied (Deny-Deployment), timed out or cancelled: nothing was deployed.</summary>
    public const string DeploymentNotApproved = "DeploymentNotApproved";
    /// <summary>Approve-Deployment / Deny-Deployment of a sign-off by a user who is not in deployment.approval.approvers.</summary>
    public const string ApproverNotListed = "ApproverNotListed";
}
