using DeployOps.Engine.Backup;

namespace DeployOps.Engine.Migrations;

/// <summary>
/// The catalog changes between two snapshots, each marked expand (old code keeps working) or contract (it may not):
/// added objects, nullable or defaulted columns, widened types, new enum values and looser constraints expand;
/// dropped or renamed objects, NOT NULL without default, narrowed or changed types, new or changed constraints on
/// existing columns and dropped enum values contract. Objects inside a table created or dropped by the same migration
/// are covered by that table's own change.
/// </summary>
internal static class SchemaDiff
{
    private const MigrationClass Expand = MigrationClass.Expand;
    private const MigrationClass Contract = MigrationClass.Contract;

    public static IReadOnlyList<SchemaChange> Compare(SchemaSnapshot before, SchemaSnapshot after)
    {
        var changes = new List<SchemaChange>();
        var newRelations = after.Relations.Keys.Where(k => !before.Relations.ContainsKey(k)).ToHashSet(StringComparer.Ordinal);
        var goneRelations = before.Relations.Keys.Where(k => !after.Relations.ContainsKey(k)).ToHashSet(StringComparer.Ordinal);
        bool Covered(string relation) => newRelations.Contains(relation) || goneRelations.Contains(relation);

        foreach (var name in newRelations) changes.Add(new(after.Relations[name], name, "created", Expand));
        foreach (var name in goneRelations) changes.Add(new(before.Relations[name], name, "dropped (or renamed)", Contract));
        foreach (var (name, definition) in after.ViewDefinitions)
            if (before.ViewDefinitions.TryGetValue(name, out var old) && old != definition)
                changes.Add(new("view", name, "definition changed (its columns are compared separately)", Expand));

        var newColumns = new HashSet<(string, string)>();
        foreach (var (key, column) in after.Columns)
        {
            if (Covered(key.Relation)) continue;
            var name = $"{key.Relation}.{key.Name}";
            if (!before.Columns.TryGetValue(key, out var old))
            {
                newColumns.Add(key);
                var required = column.NotNull && column.Default is null && !column.Generated;
                changes.Add(new("column", name, required ? "added NOT NULL without a default" : column.NotNull ? "added NOT NULL with a default" : "added, nullable", required ? Contract : Expand));
                continue;
            }
            if (old.Type != column.Type)
                changes.Add(new("column", name, $"type {old.Type} -> {column.Type}{(TypeWidening.IsWidening(old.Type, column.Type) ? " (widened)" : "")}",
                    TypeWidening.IsWidening(old.Type, column.Type) ? Expand : Contract));
            if (old.NotNull != column.NotNull)
                changes.Add(column.NotNull
                    ? new("column", name, column.Default is null ? "NOT NULL added without a default" : "NOT NULL added (has a default)", column.Default is null ? Contract : Expand)
                    : new("column", name, "NOT NULL dropped", Expand));
            if (old.Default != column.Default && !(old.Generated || column.Generated))
            {
                if (column.Default is null)
                    changes.Add(new("column", name, $"default {old.Default} dropped", column.NotNull ? Contract : Expand));
                else
                    changes.Add(new("column", name, old.Default is null ? $"default {column.Default} added" : $"default {old.Default} -> {column.Default}", Expand));
            }
        }
        foreach (var key in before.Columns.Keys.Where(k => !after.Columns.ContainsKey(k) && !Covered(k.Relation)))
            changes.Add(new("column", $"{key.Relation}.{key.Name}", "dropped (or renamed)", Contract));

        // A constraint or unique index over columns this migration added only binds values old code never writes.
        bool OnlyNewColumns(string table, IReadOnlyList<string> columns) => columns.Count > 0 && columns.All(c => newColumns.Contains((table, c)));

        foreach (var (key, constraint) in after.Constraints)
        {
            if (Covered(key.Table)) continue;
            var name = $"{key.Table}.{key.Name}";
            if (!before.Constraints.TryGetValue(key, out var old))
            {
                var harmless = OnlyNewColumns(key.Table, constraint.Columns);
                changes.Add(new("constraint", name, $"added: {constraint.Definition}{(harmless ? " (on new columns only)" : "")}", harmless ? Expand : Contract));
            }
            else if (old.Definition != constraint.Definition)
                changes.Add(new("constraint", name, $"changed: {old.Definition} -> {constraint.Definition}", Contract));
        }
        foreach (var key in before.Constraints.Keys.Where(k => !after.Constraints.ContainsKey(k) && !Covered(k.Table)))
            changes.Add(new("constraint", $"{key.Table}.{key.Name}", $"dropped: {before.Constraints[key].Definition}", Expand));

        foreach (var (name, index) in after.Indexes)
        {
            if (Covered(index.Table)) continue;
            var tightens = index.Unique && !OnlyNewColumns(index.Table, index.Columns);
            if (!before.Indexes.TryGetValue(name, out var old))
                changes.Add(new("index", name, $"created{(index.Unique ? " (unique)" : "")}", tightens ? Contract : Expand));
            else if (old.Definition != index.Definition)
                changes.Add(new("index", name, $"changed: {index.Definition}", tightens ? Contract : Expand));
        }
        foreach (var (name, index) in before.Indexes.Where(i => !after.Indexes.ContainsKey(i.Key) && !Covered(i.Value.Table)))
            changes.Add(new("index", name, $"dropped{(index.Unique ? " (unique: looser)" : "")}", Expand));

        foreach (var (name, function) in after.Functions)
        {
            if (!before.Functions.TryGetValue(name, out var old)) changes.Add(new("function", name, "created", Expand));
            else if (old.Result != function.Result) changes.Add(new("function", name, $"returns {old.Result} -> {function.Result}", Contract));
            else if (old.BodyHash != function.BodyHash) changes.Add(new("function", name, "body replaced (same signature)", Expand));
        }
        foreach (var name in before.Functions.Keys.Where(k => !after.Functions.ContainsKey(k)))
            changes.Add(new("function", name, "dropped (or its arguments changed)", Contract));

        foreach (var (name, labels) in after.Enums)
        {
            if (!before.Enums.TryGetValue(name, out var old)) { changes.Add(new("enum", name, "created", Expand)); continue; }
            foreach (var gone in old.Except(labels)) changes.Add(new("enum", name, $"value '{gone}' dropped (or renamed)", Contract));
            foreach (var added in labels.Except(old)) changes.Add(new("enum", name, $"value '{added}' added", Expand));
        }
        foreach (var name in before.Enums.Keys.Where(k => !after.Enums.ContainsKey(k)))
            changes.Add(new("enum", name, "dropped", Contract));

        return changes.OrderBy(c => c.Class == Contract ? 0 : 1).ThenBy(c => c.ObjectKind, StringComparer.Ordinal)
            .ThenBy(c => c.Name, StringComparer.Ordinal).ThenBy(c => c.Change, StringComparer.Ordinal).ToList();
    }

    public static MigrationClass Classify(IReadOnlyList<SchemaChange> changes) =>
        changes.Any(c => c.Class == Contract) ? Contract : Expand;
}
