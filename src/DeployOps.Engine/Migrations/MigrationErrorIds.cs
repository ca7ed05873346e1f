namespace DeployOps.Engine.Hosting;

public static partial class ErrorIds
{
    /// <summary>A pending migration failed on the scratch copy (or the copy could not be made); the live database was not touched.</summary>
    public const string MigrationRehearsalFailed = "MigrationRehearsalFailed";
}
