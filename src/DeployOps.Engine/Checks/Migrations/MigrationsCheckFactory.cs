using System.Text.RegularExpressions;
using DeployOps.Engine.Checks.Postgres;
using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Checks.Migrations;

/// <summary><c>kind: migrations</c> — every migration file in the directory has been applied to the database.</summary>
internal sealed class MigrationsCheckFactory : ICheckFactory
{
    public const string DefaultDirectory = "migrations";
    public const string DefaultPattern = "*.sql";
    public const string DefaultTable = "schema_migrations";
    public const string DefaultColumn = "version";

    public string Kind => "migrations";
    public string DefaultCategory => "Database";

    public ICheck Create(ConfigMap options, CheckFactoryContext context)
    {
        var settings = PostgresConnection.Read(options, context);
        var directory = context.ResolvePath(options.String("directory", DefaultDirectory));
        var pattern = options.String("pattern", DefaultPattern);
        var table = Identifier(options, "table", DefaultTable, allowSchema: true);
        var column = Identifier(options, "column", DefaultColumn, allowSchema: false);
        Regex? idPattern = null;
        if (options.String("idPattern") is { } text)
        {
            try
            {
                idPattern = new Regex(text, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
                if (idPattern.GetGroupNumbers().Length < 2)
                    options.Error("idPattern", "needs a capture group for the version, e.g. '^(\\d+)_'");
            }
            catch (ArgumentException ex)
            {
                options.Error("idPattern", "not a valid regular expression: " + ex.Message);
                idPattern = null;
            }
        }
        var classify = options.Bool("classify", false);
        return new MigrationsCheck(settings, new MigrationFiles(directory, pattern, idPattern), table, column, classify);
    }

    private static string Identifier(ConfigMap options, string key, string defaultValue, bool allowSchema)
    {
        var value = options.String(key, defaultValue).Trim();
        var parts = value.Split('.');
        if (value.Length == 0 || parts.Any(p => p.Length == 0) || (!allowSchema && parts.Length > 1) || parts.Length > 2)
            options.Error(key, allowSchema ? "expected a table name, optionally schema-qualified (public.schema_migrations)" : "expected a column name");
        return value;
    }
}
