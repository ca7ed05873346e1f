namespace DeployOps.Hosting.Tests;

internal static class ProbeYaml
{
    /// <summary>Valid, and needs the engine (YamlDotNet, the configuration model) but no running service.</summary>
    public const string Valid = "application: probe\nenvironment: test\npostgres:\n  url: postgres://app@127.0.0.1:5432/shop\n";

    /// <summary>Maintenance by flag file only, state in the folder: runs with nothing installed.</summary>
    public const string FlagFileMaintenance =
        "application: probe\nenvironment: test\nstate:\n  directory: state\nmaintenance:\n  flagFile:\n    path: MAINTENANCE_MODE\n";

    /// <summary>Not YAML at all (an unclosed flow mapping).</summary>
    public const string Broken = "application: probe\nenvironment: [test\n  nested: {\n";
}
