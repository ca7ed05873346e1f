using System.Text;
using DeployOps.Engine.Configuration;
using Npgsql;

namespace DeployOps.Engine.Backup;

/// <summary>
/// The connection for pg_dump/pg_restore as discrete -h -p -U -d arguments, with the password only in a private
/// pgpass file (mode 0600, deleted on dispose) named by PGPASSFILE in the child's environment — never on a command
/// line, where every user of the host can read it in /proc, and not in the environment either.
/// </summary>
internal sealed class PgCredentials : IDisposable
{
    private readonly NpgsqlConnectionStringBuilder _builder;
    private readonly string? _passFile;

    public PgCredentials(PostgresSettings settings)
    {
        _builder = settings.Builder();
        if (!string.IsNullOrEmpty(_builder.Password)) _passFile = WritePassFile(_builder.Password);
    }

    public string Host => _builder.Host ?? "127.0.0.1";
    public int Port => _builder.Port;
    public string? User => _builder.Username;

    /// <summary>-h host -p port [-U user] -d database.</summary>
    public IReadOnlyList<string> ConnectionArguments(string database)
    {
        var args = new List<string> { "-h", Host, "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (!string.IsNullOrEmpty(User)) { args.Add("-U"); args.Add(User); }
        args.Add("-d");
        args.Add(database);
        return args;
    }

    /// <summary>The child's environment additions: the pgpass file and libpq settings; null removes an inherited value.</summary>
    public IReadOnlyDictionary<string, string?> Environment(string? pgOptions = null)
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["PGPASSWORD"] = null, // an inherited one must not override ours (or leak into the wrong server)
            ["PGPASSFILE"] = _passFile ?? "/dev/null",
            ["PGAPPNAME"] = "DeployOps backup",
            ["PGCONNECT_TIMEOUT"] = Math.Max(2, _builder.Timeout).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["PGSSLMODE"] = SslMode(_builder.SslMode),
            ["PGOPTIONS"] = pgOptions,
        };
        return env;
    }

    public void Dispose()
    {
        if (_passFile is null) return;
        try { File.Delete(_passFile); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static string WritePassFile(string password)
    {
        var path = Path.Combine(Path.GetTempPath(), $"deployops-pgpass-{Guid.NewGuid():N}");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(path, options))
        {
            // Any host, port, database and user: the file exists for this one child process only.
            var line = "*:*:*:*:" + password.Replace("\\", "\\\\", StringComparison.Ordinal).Replace(":", "\\:", StringComparison.Ordinal) + "\n";
            stream.Write(Encoding.UTF8.GetBytes(line));
        }
        return path;
    }

    private static string SslMode(SslMode mode) => mode switch
    {
        Npgsql.SslMode.Disable => "disable",
        Npgsql.SslMode.Allow => "allow",
        Npgsql.SslMode.Require => "require",
        Npgsql.SslMode.VerifyCA => "verify-ca",
        Npgsql.SslMode.VerifyFull => "verify-full",
        _ => "prefer",
    };
}
