using System.Diagnostics;
using System.Text;

namespace DeployOps.Engine.Tests.Fixtures;

/// <summary>
/// A real cgroup v1 memory (and cpu) group, created under the host's hierarchy with the limits a test asks for, and a
/// load process started inside it (its memory is charged from its first page). Dispose stops the process by PID and
/// removes the groups. This machine mounts cgroup v1 at /sys/fs/cgroup/{memory,cpu}, writable as root.
/// </summary>
public sealed class CgroupV1Fixture : IDisposable
{
    public const string Root = "/sys/fs/cgroup";

    /// <summary>Allocates (and touches) argv[1] MiB, forks argv[2] children that allocate as much, prints "ready",
    /// then busy-loops when argv[3] is "busy", else sleeps.</summary>
    private const string LoadScript = """
        import os, sys, time
        mib, children, busy = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "busy"
        for _ in range(children):
            if os.fork() == 0:
                break
        block = b"\x01" * (mib << 20)
        print("ready", flush=True)
        while True:
            if busy:
                sum(range(10000))
            else:
                time.sleep(1)
        """;

    private readonly List<Process> _processes = new();
    private readonly string _script;
    private readonly StringBuilder _log = new();

    public CgroupV1Fixture(long memoryLimitBytes, long? cpuQuotaMicros = null, long cpuPeriodMicros = 100_000)
    {
        if (!ExternalProcess.IsRoot || !File.Exists(Path.Combine(Root, "memory", "memory.limit_in_bytes")))
            throw new InvalidOperationException($"the cgroup v1 tests need root and the memory controller mounted at {Root}/memory (mount -t cgroup -o memory cgroup {Root}/memory)");
        Python = ExternalProcess.Require("apt-get install -y python3", "/usr/bin/python3");
        Name = $"deployops-test-{Guid.NewGuid():N}"[..28];
        MemoryGroup = Path.Combine(Root, "memory", Name);
        Directory.CreateDirectory(MemoryGroup);
        File.WriteAllText(Path.Combine(MemoryGroup, "memory.limit_in_bytes"), memoryLimitBytes.ToString());
        if (cpuQuotaMicros is { } quota)
        {
            CpuGroup = Path.Combine(Root, "cpu", Name);
            Directory.CreateDirectory(CpuGroup);
            File.WriteAllText(Path.Combine(CpuGroup, "cpu.cfs_period_us"), cpuPeriodMicros.ToString());
            File.WriteAllText(Path.Combine(CpuGroup, "cpu.cfs_quota_us"), quota.ToString());
        }
        _script = Path.Combine(ExternalProcess.TempDirectory("cgroup-load"), "load.py");
        File.WriteAllText(_script, LoadScript);
    }

    public string Name { get; }
    public string Python { get; }
    public string MemoryGroup { get; }
    public string? CpuGroup { get; }
    public string Log { get { lock (_log) return _log.ToString(); } }

    /// <summary>Starts the load inside the group(s): a shell joins them, then execs Python, so every page is charged here.</summary>
    public Process StartLoad(int mebibytes, int children = 0, bool busy = false)
    {
        var join = $"echo $$ > {MemoryGroup}/cgroup.procs" + (CpuGroup is null ? "" : $" && echo $$ > {CpuGroup}/cgroup.procs");
        var process = ExternalProcess.Start("/bin/sh", $"-c \"{join} && exec {Python} {_script} {mebibytes} {children} {(busy ? "busy" : "idle")}\"", _log);
        _processes.Add(process);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (Log.Split('\n').Count(l => l.Trim() == "ready") < children + 1)
        {
            if (process.HasExited) throw new InvalidOperationException($"the load process exited ({process.ExitCode}): {Log}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"the load process did not allocate its memory within 60 s: {Log}");
            Thread.Sleep(50);
        }
        return process;
    }

    /// <summary>The group's pids (the load and its children).</summary>
    public IReadOnlyList<int> Pids => File.ReadAllLines(Path.Combine(MemoryGroup, "cgroup.procs")).Where(l => l.Length > 0).Select(int.Parse).ToList();

    public void Dispose()
    {
        foreach (var pid in File.Exists(Path.Combine(MemoryGroup, "cgroup.procs")) ? Pids : Array.Empty<int>()) ExternalProcess.Kill(pid, 9);
        foreach (var process in _processes) ExternalProcess.Stop(process);
        foreach (var group in new[] { MemoryGroup, CpuGroup }.OfType<string>())
        {
            // rmdir succeeds once the killed tasks are gone from the group.
            for (var i = 0; i < 100 && Directory.Exists(group); i++)
            {
                try { Directory.Delete(group); }
                catch (IOException) { Thread.Sleep(100); }
            }
        }
        Directory.Delete(Path.GetDirectoryName(_script)!, recursive: true);
    }
}
