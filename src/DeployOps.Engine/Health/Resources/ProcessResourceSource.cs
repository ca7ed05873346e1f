using System.Globalization;
using DeployOps.Engine.Cgroups;
using DeployOps.Engine.Checks.Memory;
using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Health.Signals;
using DeployOps.Engine.Processes;

namespace DeployOps.Engine.Health.Resources;

/// <summary>Where the process and cgroup files are read (a fixture tree in tests).</summary>
internal sealed record ResourceHost(string ProcRoot = "/proc", string CgroupRoot = CgroupMembership.DefaultRoot)
{
    public static ResourceHost Default { get; } = new();
}

/// <summary>
/// cpuPercent and memoryPercent of the application's process tree, against its cgroup's limits when it has them.
/// CPU is the tree's utime+stime since the previous sample over the elapsed time and the CPU quota (else the host's
/// CPUs); memory is the cgroup's usage (less reclaimable cache) against its limit, else the tree's RSS against the
/// host's MemTotal. Each sample notes the figures and where the limit came from. A missing pid file or process
/// makes both signals unreadable (not enough evidence), never a failed watch.
/// </summary>
internal sealed class ProcessResourceSource : ISignalSource
{
    private readonly ResourceSettings _settings;
    private readonly TimeProvider _clock;
    private readonly ResourceHost _host;
    private Dictionary<int, long>? _previousTicks;
    private long _previousTimestamp;

    public ProcessResourceSource(ResourceSettings settings, TimeProvider clock, ResourceHost? host = null)
    {
        _settings = settings;
        _clock = clock;
        _host = host ?? ResourceHost.Default;
    }

    public string Name => "resources";

    public Task<SourceReading> PrimeAsync(CancellationToken cancellationToken) => Task.FromResult(Sample());

    public Task<SourceReading> ReadAsync(CancellationToken cancellationToken) => Task.FromResult(Sample());

    private SourceReading Sample()
    {
        var reading = new SourceReading();
        var now = _clock.GetTimestamp();
        var (tree, why) = ProcessTree.Find(_settings, _host.ProcRoot);
        if (tree is null)
        {
            _previousTicks = null;
            reading.Unreadable[HealthSignals.CpuPercent] = reading.Unreadable[HealthSignals.MemoryPercent] = why!;
            return reading;
        }
        // Limits are those of the (first) root's cgroup: a service's children stay in its cgroup.
        var membership = CgroupMembership.Read(Path.Combine(_host.ProcRoot, tree.Roots[0].Pid.ToString(CultureInfo.InvariantCulture), "cgroup"));
        Cpu(reading, tree, membership, now);
        Memory(reading, tree, membership);
        return reading;
    }

    private void Cpu(SourceReading reading, ProcessTree tree, CgroupMembership? membership, long now)
    {
        var ticks = tree.Members.ToDictionary(p => p.Pid, p => p.CpuTicks);
        var previous = _previousTicks;
        var elapsed = _clock.GetElapsedTime(_previousTimestamp, now);
        _previousTicks = ticks;
        _previousTimestamp = now;
        if (previous is null) { reading.Unreadable[HealthSignals.CpuPercent] = "CPU needs a previous reading of the same processes"; return; }
        if (elapsed <= TimeSpan.Zero) { reading.Unreadable[HealthSignals.CpuPercent] = "no time passed since the previous reading"; return; }
        // A process new since the previous reading spent all its ticks since then; one that exited took its ticks along.
        var spent = ticks.Sum(t => Math.Max(0, t.Value - previous.GetValueOrDefault(t.Key))) / (double)ProcStat.TicksPerSecond;
        var limit = membership is null ? null : CgroupCpu.Tightest(membership, _host.CgroupRoot);
        var cpus = limit?.Cpus ?? HostCpus();
        var source = limit?.Source ?? $"{cpus:0} host CPUs ({_host.ProcRoot}/stat), no CPU quota";
        var percent = 100 * spent / elapsed.TotalSeconds / cpus;
        reading.Set(HealthSignals.CpuPercent, percent);
        reading.Notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"cpuPercent {percent:0.#}% of {tree.Describe}: {spent:0.##} s CPU in {elapsed.TotalSeconds:0.##} s against {cpus:0.##} CPU ({source})"));
    }

    private void Memory(SourceReading reading, ProcessTree tree, CgroupMembership? membership)
    {
        var cgroup = membership is null ? null : CgroupMemory.Tightest(membership, _host.CgroupRoot);
        long used, limit;
        string what, source;
        if (cgroup is not null)
        {
            (used, limit) = (cgroup.TotalBytes - cgroup.AvailableBytes, cgroup.TotalBytes);
            (what, source) = ("the cgroup's usage less inactive file cache", cgroup.Source);
        }
        else
        {
            var total = ReadMemTotal();
            if (total is not > 0) { reading.Unreadable[HealthSignals.MemoryPercent] = $"no cgroup memory limit and no MemTotal in {_host.ProcRoot}/meminfo"; return; }
            (used, limit) = (tree.Members.Sum(p => p.RssPages) * Environment.SystemPageSize, total.Value);
            (what, source) = ("RSS of " + tree.Describe, $"host MemTotal ({_host.ProcRoot}/meminfo), no cgroup memory limit");
        }
        var percent = 100.0 * used / limit;
        reading.Set(HealthSignals.MemoryPercent, percent);
        reading.Notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"memoryPercent {percent:0.#}% ({what}): {Mebibytes(used)} of {Mebibytes(limit)} ({source})"));
    }

    internal static string Mebibytes(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:0.#} MiB");

    private long? ReadMemTotal()
    {
        var file = Path.Combine(_host.ProcRoot, "meminfo");
        return File.Exists(file) ? MemorySnapshot.Parse(File.ReadAllText(file))?.TotalBytes : null;
    }

    /// <summary>The host's CPUs from the "cpuN" lines of /proc/stat (Environment.ProcessorCount would apply this
    /// process's own cgroup quota, not the application's).</summary>
    private double HostCpus()
    {
        var file = Path.Combine(_host.ProcRoot, "stat");
        var count = File.Exists(file) ? File.ReadLines(file).Count(l => l.Length > 3 && l.StartsWith("cpu", StringComparison.Ordinal) && char.IsAsciiDigit(l[3])) : 0;
        return count > 0 ? count : Environment.ProcessorCount;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
