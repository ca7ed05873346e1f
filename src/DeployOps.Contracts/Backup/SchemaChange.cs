namespace DeployOps.Engine.Backup;

/// <summary>One difference between the PostgreSQL catalog before and after a migration, and what it means for old code.</summary>
public sealed class SchemaChange
{
    internal SchemaChange(string objectKind, string name, string change, MigrationClass @class)
    {
        ObjectKind = objectKind;
        Name = name;
        Change = change;
        Class = @class;
    }

    /// <summary>table, column, constraint, index, view, function or enum.</summary>
    public string ObjectKind { get; }
    /// <summary>The object, schema-qualified (a column as schema.table.column).</summary>
    public string Name { get; }
    /// <summary>What happened to it, e.g. "added, nullable" or "type integer -> smallint".</summary>
    public string Change { get; }
    /// <summary>Whether code written for the schema before this change still works after it.</summary>
    public MigrationClass Class { get; }

    /// <summary>"kind name change (class)".</summary>
    public override string ToString() => $"{ObjectKind} {Name} {Change} ({Class.ToString().ToLowerInvariant()})";
}
