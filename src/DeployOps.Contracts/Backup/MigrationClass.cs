namespace DeployOps.Engine.Backup;

/// <summary>What a migration does to code that was written for the schema before it (expand/contract).</summary>
public enum MigrationClass
{
    /// <summary>Backward compatible: the previous version still runs on the new schema (new table, nullable column, new index…).</summary>
    Expand,
    /// <summary>Not compatible: something the previous version may use was dropped, renamed, narrowed or tightened.</summary>
    Contract,
}
