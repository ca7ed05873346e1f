using System.Text;
using Npgsql;

namespace DeployOps.Engine.Tests.Fixtures;

/// <summary>
/// A throwaway PostgreSQL cluster on a free loopback port, with password authentication over TCP.
/// initdb refuses root, so as root the cluster belongs to the postgres user. Stopped by PID on dispose.
/// </summary>
public sealed class PostgresFixture : IDisposable
{
    public const string Password = "fixture-pg-password-4d1c";
    public const string User = "deployops";
    private const string Install = "apt-get install -y postgresql";

    private readonly string _bin;
    private readonly StringBuilder _log = new();

    public PostgresFixture()
    {
        _bin = Path.GetDirectoryName(ExternalProcess.Require(Install,
            "/usr/lib/postgresql/17/bin/initdb", "/usr/lib/postgresql/16/bin/initdb", "/usr/lib/postgresql/15/bin/initdb", "initdb"))!;
        Root = ExternalProcess.TempDirectory("pg");
        DataDirectory = Path.Combine(Root, "data");
        Port = FreePort.Next();
        var pwFile = Path.Combine(Root, "pw");
        File.WriteAllText(pwFile, Password);
        if (ExternalProcess.IsRoot) ExternalProcess.Run("chown", $"-R postgres:postgres {Root}");
        RunAsOwner(Path.Combine(_bin, "initdb"),
            $"-D {DataDirectory} -U {User} --pwfile={pwFile} -A scram-sha-256 --auth-local=trust -E UTF8 --no-sync");
        File.AppendAllText(Path.Combine(DataDirectory, "postgresql.conf"),
            $"\nport = {Port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{Root}'\nfsync = off\n" +
            "synchronous_commit = off\nfull_page_writes = off\nmax_connections = 100\nshared_buffers = 32MB\n");
        Start();
    }

    public string Root { get; }
    public string DataDirectory { get; }
    public int Port { get; }
    public string BinDirectory => _bin;
    public bool IsRunning { get; private set; }

    public string ConnectionString(string database = "postgres") =>
        new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = Port, Username = User, Password = Password, Database = database,
            Pooling = false, Timeout = 5,
        }.ConnectionString;

    /// <summary>postgres://deployops:pw@127.0.0.1:port/db</summary>
    public string Url(string database) => $"postgres://{User}:{Password}@127.0.0.1:{Port}/{database}";

    public void Start()
    {
        RunAsOwner(Path.Combine(_bin, "pg_ctl"), $"-D {DataDirectory} -l {Path.Combine(Root, "server.log")} -w -t 30 start");
        IsRunning = true;
    }

    /// <summary>Stops the server by the PID in postmaster.pid (fast shutdown) and waits for it to go.</summary>
    public void Stop()
    {
        if (!IsRunning) return;
        var pidFile = Path.Combine(DataDirectory, "postmaster.pid");
        if (File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).First(), out var pid))
        {
            ExternalProcess.Kill(pid, 2); // SIGINT = fast shutdown
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (File.Exists(pidFile) && DateTime.UtcNow < deadline) Thread.Sleep(50);
        }
        IsRunning = false;
    }

    public string CreateDatabase(string? name = null)
    {
        name ??= "db_" + Guid.NewGuid().ToString("N")[..10];
        Execute("postgres", $"CREATE DATABASE \"{name}\"");
        return name;
    }

    /// <summary>Runs SQL; <paramref name="timeoutSeconds"/> is Npgsql's command timeout (benchmarks load big tables).</summary>
    public void Execute(string database, string sql, int timeoutSeconds = 30)
    {
        using var conn = new NpgsqlConnection(ConnectionString(database));
        conn.Open();
        using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = timeoutSeconds };
        cmd.ExecuteNonQuery();
    }

    public T? Scalar<T>(string database, string sql, int timeoutSeconds = 30)
    {
        using var conn = new NpgsqlConnection(ConnectionString(database));
        conn.Open();
        using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = timeoutSeconds };
        var value = cmd.ExecuteScalar();
        return value is null or DBNull ? default : (T)Convert.ChangeType(value, typeof(T));
    }

    public void Dispose()
    {
        Stop();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private void RunAsOwner(string file, string args)
    {
        if (ExternalProcess.IsRoot) ExternalProcess.Run("runuser", $"-u postgres -- {file} {args}", TimeSpan.FromSeconds(90));
        else ExternalProcess.Run(file, args, TimeSpan.FromSeconds(90));
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}
