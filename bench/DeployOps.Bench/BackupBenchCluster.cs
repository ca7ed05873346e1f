using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace DeployOps.Bench;

/// <summary>
/// A throwaway PostgreSQL cluster for benchmarks: initdb (as the postgres user via runuser when root, since initdb
/// refuses root) on a free loopback port with scram passwords, stopped and deleted on dispose.
/// </summary>
internal sealed class BenchCluster : IAsyncDisposable
{
    private readonly string _user;
    private readonly string _password;

    private BenchCluster(string bin, string root, int port, string user, string password)
    {
        BinDirectory = bin;
        Root = root;
        Port = port;
        _user = user;
        _password = password;
    }

    public string BinDirectory { get; }
    public string Root { get; }
    public int Port { get; }
    public string Version => Path.GetFileName(Path.GetDirectoryName(BinDirectory)!);
    private string DataDirectory => Path.Combine(Root, "data");
    private static bool IsRoot => Environment.UserName == "root";

    public static BenchCluster Start(string user, string password)
    {
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => double.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0).FirstOrDefault()
            : null;
        if (bin is null) throw new InvalidOperationException("initdb not found under /usr/lib/postgresql/*/bin: apt-get install -y postgresql");
        var root = Path.Combine(Path.GetTempPath(), "deployops-bench-pg-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        var pwFile = Path.Combine(root, "pw");
        File.WriteAllText(pwFile, password);
        if (IsRoot) Run("chown", "-R", "postgres:postgres", root);
        var port = FreePort();
        var cluster = new BenchCluster(bin, root, port, user, password);
        cluster.AsOwner("initdb", "-D", cluster.DataDirectory, "-U", user, "--pwfile=" + pwFile, "-A", "scram-sha-256",
            "--auth-local=trust", "-E", "UTF8", "--no-sync");
        File.AppendAllText(Path.Combine(cluster.DataDirectory, "postgresql.conf"),
            $"\nport = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{root}'\nfsync = off\n" +
            "synchronous_commit = off\nfull_page_writes = off\nshared_buffers = 128MB\nmax_wal_size = 1GB\n");
        cluster.AsOwner("pg_ctl", "-D", cluster.DataDirectory, "-l", Path.Combine(root, "server.log"), "-w", "-t", "60", "start");
        return cluster;
    }

    public async Task ExecuteAsync(string database, string sql)
    {
        await using var conn = new NpgsqlConnection(ConnectionString(database));
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 600 };
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task<T> ScalarAsync<T>(string database, string sql)
    {
        await using var conn = new NpgsqlConnection(ConnectionString(database));
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 600 };
        return (T)Convert.ChangeType((await cmd.ExecuteScalarAsync())!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    public ValueTask DisposeAsync()
    {
        try { AsOwner("pg_ctl", "-D", DataDirectory, "-m", "fast", "-w", "stop"); }
        catch (InvalidOperationException ex) { Console.Error.WriteLine(ex.Message); }
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        return ValueTask.CompletedTask;
    }

    private string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1", Port = Port, Username = _user, Password = _password, Database = database, Pooling = false,
    }.ConnectionString;

    private void AsOwner(string tool, params string[] args)
    {
        var file = Path.Combine(BinDirectory, tool);
        if (IsRoot) Run("runuser", new[] { "-u", "postgres", "--", file }.Concat(args).ToArray());
        else Run(file, args);
    }

    private static void Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {p.ExitCode}: {stderr}{stdout.Result}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
