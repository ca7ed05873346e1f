namespace DeployOps.Engine.Hosting;

/// <summary>
/// Error identifiers are public contract: scripts match on them. Never rename one.
/// Each concern adds its own in a partial file of this class.
/// </summary>
public static partial class ErrorIds
{
    public const string ConfigNotFound = "ConfigNotFound";
    public const string ConfigInvalid = "ConfigInvalid";
    public const string SecretReferenceUnresolved = "SecretReferenceUnresolved";
    public const string PreDeploymentCheckFailed = "PreDeploymentCheckFailed";
    public const string CheckNotFound = "CheckNotFound";
    public const string StateDirectoryUnavailable = "StateDirectoryUnavailable";
    public const string AuditWriteFailed = "AuditWriteFailed";
    public const string OperationCancelled = "OperationCancelled";
    public const string UnexpectedError = "UnexpectedError";
    public const string RedisUnreachable = "RedisUnreachable";
}
