using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Strategies;

/// <summary>
/// <c>deployment.approval</c>: sign-off before deploying. With <c>required: true</c> Invoke-Deployment asks the
/// notification targets for a sign-off, waits up to <c>timeout</c> and deploys only on Approve-Deployment by one of
/// <c>approvers</c> (OS user names, or the identity DEPLOYOPS_OPERATOR sets); Deny-Deployment or the timeout stop it
/// with DeploymentNotApproved. The timeout always has a value: a scheduled, unattended run never waits forever.
/// </summary>
internal sealed class ApprovalSettings
{
    /// <summary>The longest wait accepted: a sign-off nobody gives within a week is not coming.</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(7);

    public static ApprovalSettings None { get; } = new();

    public bool Required { get; private init; }
    /// <summary>Who may approve or deny (compared case-insensitively with the operator's user name).</summary>
    public IReadOnlyList<string> Approvers { get; private init; } = Array.Empty<string>();
    public TimeSpan Timeout { get; private init; } = TimeSpan.FromMinutes(30);

    /// <summary>True when <paramref name="user"/> is one of <see cref="Approvers"/>.</summary>
    public bool IsApprover(string user) => Approvers.Contains(user.Trim(), StringComparer.OrdinalIgnoreCase);

    /// <summary>"alice, bob within 30m": how the plan, the warning and the notification name it.</summary>
    public string Describe() => $"sign-off by one of {string.Join(", ", Approvers)} within {ValueParsers.FormatDuration(Timeout)}";

    internal static ApprovalSettings Read(ConfigMap? map)
    {
        if (map is null) return None;
        var required = map.Bool("required", false);
        var approvers = map.StringList("approvers").Select(a => a.Trim()).ToList();
        if (approvers.Any(a => a.Length == 0)) map.Error("approvers", "an approver name is empty");
        if (required && approvers.Count == 0)
            map.Error(map.Has("approvers") ? "approvers" : "required",
                "required: true needs approvers: the OS users (or DEPLOYOPS_OPERATOR identities) who may sign off");
        var timeout = map.Duration("timeout", TimeSpan.FromMinutes(30));
        if (timeout > MaxTimeout)
            map.Error("timeout", $"at most {ValueParsers.FormatDuration(MaxTimeout)}: an unattended run must end");
        map.Finish();
        return new ApprovalSettings
        {
            Required = required,
            Approvers = approvers.Where(a => a.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList(),
            Timeout = timeout,
        };
    }
}
