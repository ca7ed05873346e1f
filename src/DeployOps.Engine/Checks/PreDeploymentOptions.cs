namespace DeployOps.Engine.Checks;

/// <summary>What Test-PreDeployment was asked to run.</summary>
internal sealed class PreDeploymentOptions
{
    /// <summary>Check names to run (wildcards * and ?); empty = all.</summary>
    public IReadOnlyList<string> Names { get; init; } = Array.Empty<string>();
    /// <summary>Categories to run; empty = all.</summary>
    public IReadOnlyList<string> Categories { get; init; } = Array.Empty<string>();
    /// <summary>Treat warnings as failures.</summary>
    public bool Strict { get; init; }
    /// <summary>Who asked, for the audit line.</summary>
    public string Command { get; init; } = "Test-PreDeployment";
}
