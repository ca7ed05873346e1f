namespace DeployOps.Engine.Hosting;

/// <summary>Who is acting, from where: recorded in audit lines, locks and deployment records.</summary>
internal sealed class OperatorIdentity
{
    public OperatorIdentity(string user, string host, int processId)
    {
        User = user;
        Host = host;
        ProcessId = processId;
    }

    public string User { get; }
    public string Host { get; }
    public int ProcessId { get; }

    public static OperatorIdentity Current { get; } = new(
        Environment.GetEnvironmentVariable("DEPLOYOPS_OPERATOR") is { Length: > 0 } who ? who : Environment.UserName,
        Environment.MachineName,
        Environment.ProcessId);

    public override string ToString() => $"{User}@{Host}";
}
