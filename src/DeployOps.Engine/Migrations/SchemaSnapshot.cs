using Npgsql;

namespace DeployOps.Engine.Migrations;

/// <summary>
/// The parts of a PostgreSQL catalog that code written against a schema depends on: relations, columns (type,
/// nullability, default), constraints, indexes, view definitions, functions and enum values — user schemas only,
/// extension members left out. Names are quote_ident'ed and schema-qualified, so two snapshots compare by key.
/// </summary>
internal sealed class SchemaSnapshot
{
    // Shared filter: a relation/function/type in a user schema that no extension owns.
    private const string UserSchema = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'";

    private static string NotExtension(string catalog, string oid) =>
        $"NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '{catalog}'::regclass AND d.objid = {oid} AND d.deptype = 'e')";

    public sealed record Column(string Type, bool NotNull, string? Default, bool Generated);
    public sealed record Constraint(string Table, string Kind, string Definition, IReadOnlyList<string> Columns);
    public sealed record Index(string Table, string Definition, bool Unique, IReadOnlyList<string> Columns);
    public sealed record Function(string Result, string BodyHash);

    /// <summary>schema.name → "table" or "view".</summary>
    public Dictionary<string, string> Relations { get; } = new(StringComparer.Ordinal);
    /// <summary>schema.view → its definition.</summary>
    public Dictionary<string, string> ViewDefinitions { get; } = new(StringComparer.Ordinal);
    /// <summary>(schema.relation, column) → shape.</summary>
    public Dictionary<(string Relation, string Name), Column> Columns { get; } = new();
    /// <summary>(schema.table, constraint name) → definition.</summary>
    public Dictionary<(string Table, string Name), Constraint> Constraints { get; } = new();
    /// <summary>schema.index → definition (indexes that back a constraint are covered by the constraint).</summary>
    public Dictionary<string, Index> Indexes { get; } = new(StringComparer.Ordinal);
    /// <summary>schema.name(identity arguments) → result type and body.</summary>
    public Dictionary<string, Function> Functions { get; } = new(StringComparer.Ordinal);
    /// <summary>schema.type → labels in sort order.</summary>
    public Dictionary<string, IReadOnlyList<string>> Enums { get; } = new(StringComparer.Ordinal);

    public static async Task<SchemaSnapshot> ReadAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        var s = new SchemaSnapshot();
        await EachAsync(conn, $"""
            SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.relkind::text,
                   CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition AND {UserSchema} AND {NotExtension("pg_class", "c.oid")}
            """, r =>
        {
            var kind = r.GetString(1) is "v" or "m" ? "view" : "table";
            s.Relations[r.GetString(0)] = kind;
            if (!r.IsDBNull(2)) s.ViewDefinitions[r.GetString(0)] = r.GetString(2);
        }, ct).ConfigureAwait(false);
        await EachAsync(conn, $"""
            SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), quote_ident(a.attname),
                   format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(ad.adbin, ad.adrelid),
                   a.attidentity <> '' OR a.attgenerated <> ''
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                 LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
            WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition
              AND {UserSchema} AND {NotExtension("pg_class", "c.oid")}
            """, r => s.Columns[(r.GetString(0), r.GetString(1))] =
                new Column(r.GetString(2), r.GetBoolean(3), r.IsDBNull(4) ? null : r.GetString(4), r.GetBoolean(5)), ct).ConfigureAwait(false);
        await EachAsync(conn, $"""
            SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), quote_ident(con.conname), con.contype::text,
                   pg_get_constraintdef(con.oid),
                   ARRAY(SELECT quote_ident(a.attname) FROM pg_attribute a WHERE a.attrelid = con.conrelid AND a.attnum = ANY (con.conkey) ORDER BY 1)
            FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE {UserSchema} AND NOT c.relispartition AND {NotExtension("pg_class", "c.oid")}
            """, r => s.Constraints[(r.GetString(0), r.GetString(1))] =
                new Constraint(r.GetString(0), r.GetString(2), r.GetString(3), r.GetFieldValue<string[]>(4)), ct).ConfigureAwait(false);
        await EachAsync(conn, $"""
            SELECT quote_ident(n.nspname) || '.' || quote_ident(i.relname), quote_ident(n.nspname) || '.' || quote_ident(t.relname),
                   pg_get_indexdef(i.oid), x.indisunique,
                   ARRAY(SELECT quote_ident(a.attname) FROM pg_attribute a WHERE a.attrelid = x.indrelid AND a.attnum = ANY (x.indkey) ORDER BY 1),
                   0 = ANY (x.indkey::int2[])
            FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
                 JOIN pg_namespace n ON n.oid = i.relnamespace
            WHERE {UserSchema} AND NOT t.relispartition AND {NotExtension("pg_class", "t.oid")}
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = i.oid
                              AND d.refclassid = 'pg_constraint'::regclass AND d.deptype = 'i')
            """, r =>
        {
            // An expression index names no plain column: treat it as covering every column (it may tighten any write).
            var columns = r.GetBoolean(5) ? Array.Empty<string>() : r.GetFieldValue<string[]>(4);
            s.Indexes[r.GetString(0)] = new Index(r.GetString(1), r.GetString(2), r.GetBoolean(3), columns);
        }, ct).ConfigureAwait(false);
        await EachAsync(conn, $"""
            SELECT quote_ident(n.nspname) || '.' || quote_ident(p.proname) || '(' || pg_get_function_identity_arguments(p.oid) || ')',
                   coalesce(pg_get_function_result(p.oid), ''), md5(coalesce(p.prosrc, ''))
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE {UserSchema} AND {NotExtension("pg_proc", "p.oid")}
            """, r => s.Functions[r.GetString(0)] = new Function(r.GetString(1), r.GetString(2)), ct).ConfigureAwait(false);
        await EachAsync(conn, $"""
            SELECT quote_ident(n.nspname) || '.' || quote_ident(t.typname), array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
            FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
            WHERE {UserSchema} AND {NotExtension("pg_type", "t.oid")}
            GROUP BY 1
            """, r => s.Enums[r.GetString(0)] = r.GetFieldValue<string[]>(1), ct).ConfigureAwait(false);
        return s;
    }

    private static async Task EachAsync(NpgsqlConnection conn, string sql, Action<NpgsqlDataReader> row, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false)) row(reader);
    }
}
