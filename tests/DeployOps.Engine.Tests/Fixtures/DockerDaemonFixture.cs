using System.Diagnostics;
using System.Formats.Tar;
using System.Text;
using DeployOps.Engine.Clients.Docker;

namespace DeployOps.Engine.Tests.Fixtures;

/// <summary>
/// A private dockerd for tests: its own socket, data, exec root and pidfile under a short temp dir; no iptables, no
/// bridge, vfs storage, so containers can only use the host network (on loopback). Test images are imported from a
/// busybox-static root filesystem, never pulled. Disposal stops dockerd by PID, kills any containerd or shim it left
/// behind, unmounts what remains under the temp dir and deletes it.
/// </summary>
public sealed class DockerDaemonFixture : IDisposable
{
    /// <summary>Image repository of the test images; tags "1" and "2" exist once the fixture is up.</summary>
    public const string TestRepository = "deployops-test";

    private readonly StringBuilder _log = new();
    private Process? _dockerd;
    private Process? _containerd;
    private readonly string _busybox;

    public DockerDaemonFixture() : this(null, Array.Empty<string>(), "1", "2")
    {
    }

    /// <summary>
    /// A daemon whose dockerd runs inside network namespace <paramref name="networkNamespace"/> (by nsenter, so the
    /// PID is dockerd's own) with <paramref name="extraArguments"/> (e.g. a TLS tcp listener), importing only
    /// <paramref name="images"/>. Its unix socket stays reachable from here for setup and readiness.
    /// </summary>
    internal DockerDaemonFixture(string? networkNamespace, IReadOnlyList<string> extraArguments, params string[] images)
    {
        var dockerd = ExternalProcess.Require("apt-get install -y docker.io", "/usr/sbin/dockerd", "dockerd");
        var containerd = ExternalProcess.Require("apt-get install -y containerd", "/usr/bin/containerd", "containerd");
        _busybox = ExternalProcess.Require("apt-get install -y busybox-static", "/bin/busybox", "/usr/bin/busybox");
        if (!IsStaticElf(_busybox))
            throw new InvalidOperationException($"{_busybox} is dynamically linked, but test images have no libc. Install it with: apt-get install -y busybox-static");
        if (!ExternalProcess.IsRoot)
            throw new InvalidOperationException("DockerDaemonFixture runs a private dockerd, which needs root; run the tests as root.");

        // unix socket paths are limited to 108 bytes: keep the whole tree short.
        Directory = Path.Combine("/tmp", "dops-dk-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(Directory);
        SocketPath = Path.Combine(Directory, "d.sock");
        var environment = new Dictionary<string, string> { ["HTTP_PROXY"] = "", ["HTTPS_PROXY"] = "", ["NO_PROXY"] = "*" };
        try
        {
            // dockerd would attach to a system containerd whenever /run/containerd/containerd.sock exists (even a
            // stale one); a private containerd keeps state, mounts and shims under our directory, away from the host's.
            StartContainerd(containerd, environment);
            var config = Path.Combine(Directory, "daemon.json");
            File.WriteAllText(config, "{}");
            var args = string.Join(' ',
                "--iptables=false", "--ip6tables=false", "--ip-forward=false", "--ip-masq=false", "--bridge=none",
                "--storage-driver=vfs", $"--host unix://{SocketPath}", $"--data-root {Directory}/data", $"--exec-root {Directory}/exec",
                $"--pidfile {Directory}/dockerd.pid", $"--config-file {config}", $"--containerd {ContainerdSocket}");
            if (extraArguments.Count > 0) args += " " + string.Join(' ', extraArguments);
            _dockerd = networkNamespace is null
                ? ExternalProcess.Start(dockerd, args, _log, Directory, environment)
                : ExternalProcess.Start(ExternalProcess.Require("apt-get install -y util-linux", "/usr/bin/nsenter", "nsenter"),
                    $"--net=/run/netns/{networkNamespace} -- {dockerd} {args}", _log, Directory, environment);
            WaitUntilReady(_dockerd, TimeSpan.FromSeconds(40));
            foreach (var image in images) ImportTestImage(image);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Directory { get; }
    public string SocketPath { get; }
    private string ContainerdSocket => Path.Combine(Directory, "c.sock");
    /// <summary>The daemon as DOCKER_HOST spells it.</summary>
    public string Host => "unix://" + SocketPath;
    public int Pid => _dockerd!.Id;

    public static string TestImage(string version) => $"{TestRepository}:{version}";

    /// <summary>A new client for this daemon (dispose it).</summary>
    internal DockerClient Client() => new(DockerEndpoint.Parse(Host));

    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    /// <summary>
    /// Imports a busybox root filesystem as <c>deployops-test:{version}</c>. /www/version holds the version; the
    /// default command serves /www with busybox httpd on 127.0.0.1:$PORT (8080 when unset).
    /// </summary>
    public string ImportTestImage(string version, string repository = TestRepository)
    {
        using var tar = BuildRootfs(version);
        using var client = Client();
        var changes = new[]
        {
            "ENV PATH=/bin",
            "CMD [\"/bin/sh\", \"-c\", \"exec httpd -f -p 127.0.0.1:${PORT:-8080} -h /www\"]",
        };
        return client.ImportImageAsync(tar, repository, version, changes, CancellationToken.None).GetAwaiter().GetResult();
    }

    private MemoryStream BuildRootfs(string version)
    {
        var buffer = new MemoryStream();
        using (var writer = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var dir in new[] { "bin", "www", "tmp", "etc" })
                writer.WriteEntry(new PaxTarEntry(TarEntryType.Directory, dir + "/") { Mode = (UnixFileMode)0b111_101_101 });
            using (var binary = File.OpenRead(_busybox))
                writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "bin/busybox") { DataStream = binary, Mode = (UnixFileMode)0b111_101_101 });
            foreach (var applet in new[] { "sh", "httpd", "wget", "sleep", "echo", "cat", "ls", "env", "kill", "true", "false" })
                writer.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "bin/" + applet) { LinkName = "busybox" });
            AddFile(writer, "www/version", version + "\n");
            AddFile(writer, "www/index.html", $"deployops test image {version}\n");
            AddFile(writer, "etc/passwd", "root:x:0:0:root:/:/bin/sh\n");
        }
        buffer.Position = 0;
        return buffer;
    }

    private static void AddFile(TarWriter writer, string name, string text)
    {
        using var data = new MemoryStream(Encoding.UTF8.GetBytes(text));
        writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = data, Mode = (UnixFileMode)0b110_100_100 });
    }

    /// <summary>An ELF64 executable without a PT_INTERP program header needs no dynamic loader.</summary>
    private static bool IsStaticElf(string path)
    {
        var elf = File.ReadAllBytes(path);
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[4] != 2) return false;
        var phoff = (long)BitConverter.ToUInt64(elf, 0x20);
        int size = BitConverter.ToUInt16(elf, 0x36), count = BitConverter.ToUInt16(elf, 0x38);
        for (var i = 0; i < count; i++)
        {
            var at = phoff + (long)i * size;
            if (at + 4 <= elf.Length && BitConverter.ToUInt32(elf, (int)at) == 3) return false;
        }
        return true;
    }

    private void StartContainerd(string binary, IDictionary<string, string> environment)
    {
        var config = Path.Combine(Directory, "containerd.toml");
        File.WriteAllText(config, $"""
            version = 2
            root = "{Directory}/containerd"
            state = "{Directory}/cstate"
            disabled_plugins = ["io.containerd.grpc.v1.cri"]
            [grpc]
              address = "{ContainerdSocket}"
            [ttrpc]
              address = "{ContainerdSocket}.ttrpc"
            [debug]
              address = ""
            [metrics]
              address = ""
            """);
        var process = _containerd = ExternalProcess.Start(binary, $"--config {config} --log-level warn", _log, Directory, environment);
        var clock = Stopwatch.StartNew();
        while (!File.Exists(ContainerdSocket))
        {
            if (process.HasExited || clock.Elapsed > TimeSpan.FromSeconds(20))
                throw new InvalidOperationException($"containerd did not create {ContainerdSocket}:\n{Tail(Log, 40)}");
            Thread.Sleep(50);
        }
    }

    private void WaitUntilReady(Process dockerd, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        using var client = Client();
        while (true)
        {
            if (dockerd.HasExited)
                throw new InvalidOperationException($"dockerd exited with code {dockerd.ExitCode} during startup:\n{Tail(Log, 40)}");
            if (File.Exists(SocketPath))
            {
                try
                {
                    using var attempt = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    client.PingAsync(attempt.Token).GetAwaiter().GetResult();
                    return;
                }
                catch (Exception) when (clock.Elapsed < timeout) { }
            }
            if (clock.Elapsed >= timeout)
                throw new TimeoutException($"dockerd did not answer on {SocketPath} within {timeout}:\n{Tail(Log, 40)}");
            Thread.Sleep(100);
        }
    }

    private static string Tail(string text, int lines) =>
        string.Join('\n', text.Split('\n').TakeLast(lines));

    public void Dispose()
    {
        // dockerd first: it stops the containers; then its containerd.
        Stop(ref _dockerd);
        Stop(ref _containerd);
        KillLeftovers();
        UnmountUnder(Directory);
        try { System.IO.Directory.Delete(Directory, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static void Stop(ref Process? slot)
    {
        if (slot is not { } process) return;
        slot = null;
        if (!process.HasExited)
        {
            ExternalProcess.Kill(process.Id, 15);
            if (!process.WaitForExit(20_000)) ExternalProcess.Kill(process.Id, 9);
            process.WaitForExit(5_000);
        }
        process.Dispose();
    }

    /// <summary>containerd and shims started for this daemon name its exec root on their command lines.</summary>
    private void KillLeftovers()
    {
        foreach (var proc in System.IO.Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(proc), out var pid) || pid == Environment.ProcessId) continue;
            string cmdline;
            try { cmdline = File.ReadAllText(Path.Combine(proc, "cmdline")).Replace('\0', ' '); }
            catch (Exception) { continue; }
            if (cmdline.Contains(Directory + "/", StringComparison.Ordinal)) ExternalProcess.Kill(pid, 9);
        }
    }

    /// <summary>Unmounts everything still mounted below <paramref name="root"/> (netns files, container rootfs), deepest first.</summary>
    internal static void UnmountUnder(string root)
    {
        var mounts = File.ReadAllLines("/proc/mounts")
            .Select(l => l.Split(' ')[1].Replace("\\040", " "))
            .Where(m => m.StartsWith(root + "/", StringComparison.Ordinal))
            .Distinct().OrderByDescending(m => m.Length);
        foreach (var mount in mounts)
        {
            if (ExternalProcess.Run("umount", $"-R \"{mount}\"", check: false).Length > 0)
                ExternalProcess.Run("umount", $"-l \"{mount}\"", check: false);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class DockerCollection : ICollectionFixture<DockerDaemonFixture>
{
    public const string Name = "docker";
}
