namespace DeployOps.Engine.Hosting;

/// <summary>Error identifiers are public contract: scripts match on them. Never rename one.</summary>
public static class ErrorIds
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
}
