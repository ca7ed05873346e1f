namespace DeployOps.Engine.Hosting;

/// <summary>Error identifiers raised by the cmdlet layer itself (public contract: never rename).</summary>
public static partial class ErrorIds
{
    /// <summary>A record piped to a cmdlet comes from a different configuration file than -Path/-Config names.</summary>
    public const string ConfigMismatch = "ConfigMismatch";
}
