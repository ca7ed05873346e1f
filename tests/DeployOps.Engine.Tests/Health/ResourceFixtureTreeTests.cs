using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Health.Resources;
using Microsoft.Extensions.Time.Testing;

namespace DeployOps.Engine.Tests.Health;

/// <summary>
/// The resource reader on fixture /proc and cgroup v2 trees laid out like the kernel's (this host's controllers are on
/// cgroup v1, and a cgroup2 mount here has no memory or cpu controller), on a fake clock: exact figures.
/// </summary>
public sealed class ResourceFixtureTreeTests : IDisposable
{
    private const long MiB = 1 << 20;
    private readonly string _root = Directory.CreateTempSubdirectory("deployops-resources-").FullName;
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 5, 10, 0, 0, TimeSpan.Zero));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Proc => Path.Combine(_root, "proc");
    private string Fs => Path.Combine(_root, "fs");
    private ResourceHost Host => new(Proc, Fs);

    /// <summary>A /proc/&lt;pid&gt; folder: stat (utime, stime, rss pages), cmdline and cgroup.</summary>
    private void Process(int pid, int parent, string command, long utime, long stime, long rssBytes, string cgroup = "/")
    {
        var dir = Path.Combine(Proc, pid.ToString());
        Directory.CreateDirectory(dir);
        var rss = rssBytes / Environment.SystemPageSize;
        // Fields 3..24: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime
        // priority nice threads itreal starttime vsize rss, then the rest.
        File.WriteAllText(Path.Combine(dir, "stat"),
            $"{pid} ({command}) S {parent} {pid} {pid} 0 -1 4194304 100 0 0 0 {utime} {stime} 0 0 20 0 1 0 500 123456789 {rss} 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n");
        File.WriteAllText(Path.Combine(dir, "cmdline"), $"/usr/bin/{command}\0--serve\0");
        File.WriteAllText(Path.Combine(dir, "cgroup"), $"0::{cgroup}\n");
    }

    private void Host_(int cpus, long memTotal)
    {
        Directory.CreateDirectory(Proc);
        File.WriteAllText(Path.Combine(Proc, "stat"), "cpu  1 2 3 4\n" + string.Concat(Enumerable.Range(0, cpus).Select(i => $"cpu{i} 1 2 3 4\n")) + "intr 0\n");
        File.WriteAllText(Path.Combine(Proc, "meminfo"), $"MemTotal: {memTotal / 1024} kB\nMemFree: 1000 kB\nMemAvailable: 2000 kB\n");
    }

    private void Cgroup(string relative, string memoryMax, long current, long inactiveFile, string cpuMax)
    {
        var dir = Path.Combine(Fs, relative.Trim('/'));
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "memory.max"), memoryMax + "\n");
        File.WriteAllText(Path.Combine(dir, "memory.current"), current + "\n");
        File.WriteAllText(Path.Combine(dir, "memory.stat"), $"anon {current - inactiveFile}\ninactive_file {inactiveFile}\n");
        File.WriteAllText(Path.Combine(dir, "cpu.max"), cpuMax + "\n");
    }

    [Fact(Timeout = 10_000)]
    public async Task Under_a_cgroup_v2_limit_memory_is_usage_less_cache_of_memory_max_and_cpu_is_of_cpu_max()
    {
        Host_(cpus: 8, memTotal: 64L << 30);
        Cgroup("/", "max", 10L << 30, 0, "max 100000");
        Cgroup("/system.slice/shop.service", (512 * MiB).ToString(), 480 * MiB, 64 * MiB, "150000 100000");
        Process(100, 1, "shop", utime: 1000, stime: 200, rssBytes: 300 * MiB, cgroup: "/system.slice/shop.service");
        Process(101, 100, "worker", utime: 50, stime: 50, rssBytes: 100 * MiB, cgroup: "/system.slice/shop.service");
        Process(102, 1, "other", utime: 9999, stime: 0, rssBytes: 900 * MiB);
        var pidFile = Path.Combine(_root, "shop.pid");
        File.WriteAllText(pidFile, "100\n");
        await using var source = new ProcessResourceSource(new ResourceSettings(pidFile, null), _clock, Host);

        await source.PrimeAsync(CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(10));
        // In 10 s: the parent spends 6 s, the worker 3 s, the unrelated process 50 s (not in the tree).
        Process(100, 1, "shop", utime: 1500, stime: 300, rssBytes: 300 * MiB, cgroup: "/system.slice/shop.service");
        Process(101, 100, "worker", utime: 300, stime: 100, rssBytes: 100 * MiB, cgroup: "/system.slice/shop.service");
        Process(102, 1, "other", utime: 14999, stime: 0, rssBytes: 900 * MiB);
        var reading = await source.ReadAsync(CancellationToken.None);

        // 9 s of CPU in 10 s against a 1.5-CPU quota = 60 %, not 11.25 % of the host's 8 CPUs.
        Assert.Equal(60, reading.Signals[HealthSignals.CpuPercent], 6);
        // (480 − 64) MiB of 512 MiB = 81.25 %.
        Assert.Equal(81.25, reading.Signals[HealthSignals.MemoryPercent], 6);
        Assert.Equal(new[]
        {
            $"cpuPercent 60% of pid 100 (shop) and 1 descendant: 9 s CPU in 10 s against 1.5 CPU ({Fs}/system.slice/shop.service/cpu.max 150000/100000 (cgroup v2 quota))",
            $"memoryPercent 81.3% (the cgroup's usage less inactive file cache): 416 MiB of 512 MiB ({Fs}/system.slice/shop.service/memory.max (cgroup v2 limit))",
        }, reading.Notes);
    }

    [Fact(Timeout = 10_000)]
    public async Task Without_limits_a_named_process_tree_is_judged_against_the_hosts_cpus_and_MemTotal()
    {
        Host_(cpus: 4, memTotal: 1024 * MiB);
        Cgroup("/", "max", 10L << 30, 0, "max 100000");
        Process(200, 1, "shop", 100, 0, 200 * MiB);
        Process(201, 200, "shop", 100, 0, 50 * MiB);   // a worker of the same name counts once, under its parent
        Process(202, 201, "helper", 0, 0, 6 * MiB);
        await using var source = new ProcessResourceSource(new ResourceSettings(null, "shop"), _clock, Host);

        await source.PrimeAsync(CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(5));
        Process(200, 1, "shop", 300, 0, 200 * MiB);
        Process(201, 200, "shop", 200, 0, 50 * MiB);
        Process(203, 200, "new", 100, 0, 0);             // started since the previous sample: all its 1 s counts
        var reading = await source.ReadAsync(CancellationToken.None);

        // 2 + 1 + 1 = 4 s of CPU in 5 s over 4 CPUs = 20 %; 256 MiB RSS of 1024 MiB = 25 %.
        Assert.Equal(20, reading.Signals[HealthSignals.CpuPercent], 6);
        Assert.Equal(25, reading.Signals[HealthSignals.MemoryPercent], 6);
        Assert.Contains($"memoryPercent 25% (RSS of pid 200 (shop) and 3 descendants): 256 MiB of 1024 MiB (host MemTotal ({Proc}/meminfo), no cgroup memory limit)", reading.Notes);
        Assert.Contains($"cpuPercent 20% of pid 200 (shop) and 3 descendants: 4 s CPU in 5 s against 4 CPU (4 host CPUs ({Proc}/stat), no CPU quota)", reading.Notes);
    }

    [Fact(Timeout = 10_000)]
    public async Task A_missing_pid_file_or_process_is_unreadable_evidence_and_cpu_restarts_from_the_next_reading()
    {
        Host_(cpus: 2, memTotal: 1024 * MiB);
        var pidFile = Path.Combine(_root, "app.pid");
        await using var source = new ProcessResourceSource(new ResourceSettings(pidFile, null), _clock, Host);

        var missing = await source.ReadAsync(CancellationToken.None);
        Assert.Empty(missing.Signals);
        Assert.StartsWith($"pid file {pidFile} cannot be read", missing.Unreadable[HealthSignals.MemoryPercent]);

        File.WriteAllText(pidFile, "4242");
        Assert.Equal($"process 4242 from pid file {pidFile} is not running", (await source.ReadAsync(CancellationToken.None)).Unreadable[HealthSignals.CpuPercent]);

        Process(4242, 1, "app", 10, 0, 512 * MiB);
        var first = await source.ReadAsync(CancellationToken.None);
        Assert.Equal(50, first.Signals[HealthSignals.MemoryPercent], 6);
        Assert.Equal("CPU needs a previous reading of the same processes", first.Unreadable[HealthSignals.CpuPercent]);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, (await source.ReadAsync(CancellationToken.None)).Signals[HealthSignals.CpuPercent]);

        await using var byName = new ProcessResourceSource(new ResourceSettings(null, "absent"), _clock, Host);
        Assert.Equal("no process named 'absent' is running", (await byName.ReadAsync(CancellationToken.None)).Unreadable[HealthSignals.CpuPercent]);
    }
}
