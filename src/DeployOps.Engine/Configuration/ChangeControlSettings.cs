using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Configuration;

/// <summary>
/// The <c>changeControl:</c> section: what a change to this environment must name. With <c>requireReason</c> or
/// <c>requireChangeTicket</c> a deployment without -Reason / -ChangeTicket is refused before anything is planned.
/// </summary>
internal sealed class ChangeControlSettings
{
    public static ChangeControlSettings None { get; } = new();

    public bool RequireReason { get; private init; }
    public bool RequireChangeTicket { get; private init; }

    internal static ChangeControlSettings Read(ConfigMap? map)
    {
        if (map is null) return None;
        var settings = new ChangeControlSettings
        {
            RequireReason = map.Bool("requireReason", false),
            RequireChangeTicket = map.Bool("requireChangeTicket", false),
        };
        map.Finish();
        return settings;
    }

    /// <summary>ChangeRecordRequired naming the key that asks for what is missing; nothing when all is there.</summary>
    public void Ensure(ConfigModel config, string command, string? reason, string? changeTicket)
    {
        var missing = new List<string>();
        if (RequireChangeTicket && string.IsNullOrWhiteSpace(changeTicket)) missing.Add("-ChangeTicket (changeControl.requireChangeTicket)");
        if (RequireReason && string.IsNullOrWhiteSpace(reason)) missing.Add("-Reason (changeControl.requireReason)");
        if (missing.Count == 0) return;
        throw new DeployOpsException(ErrorIds.ChangeRecordRequired, ErrorKind.InvalidArgument,
            $"{command} for {config.Application}/{config.Environment} needs {string.Join(" and ", missing)}, as {config.FilePath} requires",
            config.FilePath);
    }
}
