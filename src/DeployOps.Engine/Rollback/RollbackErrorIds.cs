namespace DeployOps.Engine.Hosting;

public static partial class ErrorIds
{
    /// <summary>The deployment being undone moved the migration head; a code-only rollback would run old code on the new schema.</summary>
    public const string RollbackCrossesMigration = "RollbackCrossesMigration";
    /// <summary>There is no deployment to undo (none yet, or the newest was already rolled back).</summary>
    public const string RollbackNothingToUndo = "RollbackNothingToUndo";
    /// <summary>The version to go back to is unknown (first deployment, or -ToVersion not in the history).</summary>
    public const string RollbackNoPreviousVersion = "RollbackNoPreviousVersion";
    /// <summary>-IncludeDatabase, but the deployment has no pre-deployment backup to restore.</summary>
    public const string RollbackBackupMissing = "RollbackBackupMissing";
    /// <summary>A rollback action (traffic, steps, restore) failed: the application may be half rolled back.</summary>
    public const string RollbackFailed = "RollbackFailed";
    /// <summary>The rollback was done but the previous version did not pass its health verification.</summary>
    public const string RollbackVerificationFailed = "RollbackVerificationFailed";
}
