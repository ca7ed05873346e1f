namespace DeployOps.Engine.Hosting;

/// <summary>Error identifiers of input validation (public contract: never rename).</summary>
public static partial class ErrorIds
{
    /// <summary>A version (-Version, -ToVersion, or one read back from the history) outside the documented character set.</summary>
    public const string InvalidVersion = "InvalidVersion";
    /// <summary>A value substituted into a template would not stay what its context allows (one path segment, a container name, …).</summary>
    public const string InvalidTemplateValue = "InvalidTemplateValue";
}
