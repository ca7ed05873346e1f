using DeployOps.Engine.Checks.Migrations;
using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Migrations;

/// <summary>Where the migrations are and where a database records them: the <c>migrations</c> check with <c>classify: true</c>.</summary>
internal sealed record MigrationSource(MigrationFiles Files, string Table, string Column)
{
    /// <summary>The first enabled migrations check that asks for classification, or null (then nothing is rehearsed).</summary>
    public static MigrationSource? From(ConfigModel config) =>
        config.Checks.Where(c => c.Enabled).Select(c => c.Check).OfType<MigrationsCheck>()
            .FirstOrDefault(c => c.Classify)?.Source;
}
