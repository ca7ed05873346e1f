namespace DeployOps.Engine.Tests.Fixtures;

/// <summary>
/// A streaming standby of a <see cref="PostgresFixture"/> (pg_basebackup -R) on its own port, optionally
/// applying WAL with a delay so the primary's pg_stat_replication shows a real replay lag. Stopped by PID.
/// </summary>
public sealed class PostgresReplicaFixture : IDisposable
{
    public PostgresReplicaFixture(PostgresFixture primary, string name, TimeSpan? applyDelay = null)
    {
        Name = name;
        Root = ExternalProcess.TempDirectory("pgreplica");
        DataDirectory = Path.Combine(Root, "data");
        Port = FreePort.Next();
        Bin = primary.BinDirectory;
        if (ExternalProcess.IsRoot) ExternalProcess.Run("chown", $"-R postgres:postgres {Root}");
        RunAsOwner("/usr/bin/env", $"PGPASSWORD={PostgresFixture.Password} {Path.Combine(Bin, "pg_basebackup")} " +
            $"-h 127.0.0.1 -p {primary.Port} -U {PostgresFixture.User} -D {DataDirectory} -R -X stream -c fast --no-sync");
        var delay = applyDelay is { } d ? $"recovery_min_apply_delay = '{(int)d.TotalMilliseconds}ms'\n" : "";
        File.AppendAllText(Path.Combine(DataDirectory, "postgresql.conf"),
            $"\nport = {Port}\nunix_socket_directories = '{Root}'\ncluster_name = '{name}'\n{delay}");
        RunAsOwner(Path.Combine(Bin, "pg_ctl"), $"-D {DataDirectory} -l {Path.Combine(Root, "server.log")} -w -t 60 start");
    }

    public string Name { get; }
    public string Root { get; }
    public string DataDirectory { get; }
    public int Port { get; }
    private string Bin { get; }

    public void Dispose()
    {
        var pidFile = Path.Combine(DataDirectory, "postmaster.pid");
        if (File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).First(), out var pid))
        {
            ExternalProcess.Kill(pid, 3); // SIGQUIT = immediate shutdown; the standby is thrown away
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (File.Exists(pidFile) && DateTime.UtcNow < deadline) Thread.Sleep(50);
        }
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static void RunAsOwner(string file, string args)
    {
        if (ExternalProcess.IsRoot) ExternalProcess.Run("runuser", $"-u postgres -- {file} {args}", TimeSpan.FromSeconds(90));
        else ExternalProcess.Run(file, args, TimeSpan.FromSeconds(90));
    }
}
