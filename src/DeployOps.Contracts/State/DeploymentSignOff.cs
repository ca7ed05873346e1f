using System.Globalization;

namespace DeployOps.Engine.State;

/// <summary>How a sign-off request (<c>deployment.approval</c>) ended.</summary>
public enum SignOffStatus
{
    /// <summary>Requested and not decided yet (the deployment is waiting, or was interrupted while waiting).</summary>
    Pending,
    /// <summary>A listed approver approved it (Approve-Deployment); the deployment went on.</summary>
    Approved,
    /// <summary>A listed approver denied it (Deny-Deployment); the deployment stopped with DeploymentNotApproved.</summary>
    Denied,
    /// <summary>Nobody listed decided within <c>deployment.approval.timeout</c>.</summary>
    TimedOut,
    /// <summary>The deploying operator stopped the wait (Ctrl+C).</summary>
    Cancelled,
}

/// <summary>
/// The sign-off of one deployment as its record keeps it (<see cref="DeploymentRecord.SignOff"/>): who approved or
/// denied, when, from where and with which comment. Built from the record's journaled fields named here.
/// </summary>
public sealed class DeploymentSignOff
{
    /// <summary>Journaled field: the <see cref="SignOffStatus"/>.</summary>
    public const string StatusField = "signOff";
    /// <summary>Journaled field: who decided.</summary>
    public const string ByField = "signOffBy";
    /// <summary>Journaled field: the host the decision was made on.</summary>
    public const string HostField = "signOffHost";
    /// <summary>Journaled field: when it was decided (ISO 8601, UTC).</summary>
    public const string TimeField = "signOffAt";
    /// <summary>Journaled field: the approver's comment.</summary>
    public const string CommentField = "signOffComment";
    /// <summary>Journaled field: when the sign-off was requested (ISO 8601, UTC).</summary>
    public const string RequestedField = "signOffRequestedAt";
    /// <summary>Journaled field: who could sign off, comma-separated.</summary>
    public const string ApproversField = "signOffApprovers";

    private DeploymentSignOff(SignOffStatus status, DateTimeOffset requested, IReadOnlyList<string> approvers, string? by, string? host,
        DateTimeOffset? time, string? comment)
    {
        Status = status;
        Requested = requested;
        Approvers = approvers;
        By = by;
        Host = host;
        Time = time;
        Comment = comment;
    }

    /// <summary>Approved, Denied, TimedOut, Cancelled, or Pending while the deployment waits.</summary>
    public SignOffStatus Status { get; }
    /// <summary>When Invoke-Deployment asked for the sign-off.</summary>
    public DateTimeOffset Requested { get; }
    /// <summary>Who could sign off (deployment.approval.approvers at the time).</summary>
    public IReadOnlyList<string> Approvers { get; }
    /// <summary>Who approved or denied (null on a timeout or cancel).</summary>
    public string? By { get; }
    /// <summary>The host the approver ran Approve-Deployment / Deny-Deployment on.</summary>
    public string? Host { get; }
    /// <summary>When it was approved, denied, timed out or cancelled.</summary>
    public DateTimeOffset? Time { get; }
    /// <summary>The approver's -Comment.</summary>
    public string? Comment { get; }

    /// <summary>The sign-off kept in a record's fields; null when the deployment needed none.</summary>
    internal static DeploymentSignOff? FromFields(IReadOnlyDictionary<string, string> fields)
    {
        if (!fields.TryGetValue(RequestedField, out var requested)) return null;
        var status = fields.TryGetValue(StatusField, out var s) && Enum.TryParse<SignOffStatus>(s, true, out var parsed) ? parsed : SignOffStatus.Pending;
        return new DeploymentSignOff(status, Parse(requested) ?? default,
            fields.TryGetValue(ApproversField, out var a) ? a.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : Array.Empty<string>(),
            fields.GetValueOrDefault(ByField), fields.GetValueOrDefault(HostField),
            fields.TryGetValue(TimeField, out var t) ? Parse(t) : null, fields.GetValueOrDefault(CommentField));
    }

    /// <summary>How a time is journaled.</summary>
    internal static string FormatTime(DateTimeOffset time) => time.ToUniversalTime().ToString("o", CultureInfo.InvariantCulture);

    private static DateTimeOffset? Parse(string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var value) ? value : null;

    /// <summary>"Approved by alice at 2026-12-03 14:00 UTC: looks good".</summary>
    public override string ToString() => Status + (By is null ? "" : $" by {By}") +
        (Time is { } at ? $" at {at.ToUniversalTime():yyyy-MM-dd HH:mm} UTC" : "") + (Comment is { Length: > 0 } c ? $": {c}" : "");
}
