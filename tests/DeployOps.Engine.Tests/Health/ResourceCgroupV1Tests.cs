using DeployOps.Engine.Health;
using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Health.Resources;
using DeployOps.Engine.Tests.Fixtures;

namespace DeployOps.Engine.Tests.Health;

/// <summary>
/// cpuPercent and memoryPercent of a real process tree inside a real cgroup v1 group with a low memory limit and a
/// CPU quota: the figures are against the group's limits, not the host's, and say so.
/// </summary>
public sealed class ResourceCgroupV1Tests
{
    private const long MiB = 1 << 20;

    private static ResourceSettings PidFile(string path) => new(path, null);

    private static string WritePidFile(int pid)
    {
        var file = Path.Combine(ExternalProcess.TempDirectory("pidfile"), "app.pid");
        File.WriteAllText(file, pid + "\n");
        return file;
    }

    [Fact(Timeout = 120_000)]
    public async Task Memory_is_against_the_groups_limit_in_bytes_and_cpu_against_its_quota_for_the_whole_tree()
    {
        // 0.1 CPU: the busy tree saturates its quota even on a loaded machine; 128 MiB, of which the tree takes ~2 × 50.
        using var group = new CgroupV1Fixture(128 * MiB, cpuQuotaMicros: 10_000);
        var load = group.StartLoad(50, children: 1, busy: true);
        var pidFile = WritePidFile(load.Id);
        await using var source = new ProcessResourceSource(PidFile(pidFile), TimeProvider.System);

        await source.PrimeAsync(CancellationToken.None);
        await Task.Delay(1500);
        var reading = await source.ReadAsync(CancellationToken.None);

        var memory = reading.Signals[HealthSignals.MemoryPercent];
        Assert.InRange(memory, 100.0 * 95 / 128, 100); // two 50 MiB blocks and two interpreters under a 128 MiB limit
        var memoryNote = Assert.Single(reading.Notes, n => n.StartsWith("memoryPercent", StringComparison.Ordinal));
        Assert.Contains($"of 128 MiB ({group.MemoryGroup}/memory.limit_in_bytes (cgroup v1 limit))", memoryNote);

        // Against 0.1 CPU the two busy processes read far above what the same ticks are of the host's CPUs (≤ 100 %/CPU count).
        var cpu = reading.Signals[HealthSignals.CpuPercent];
        Assert.InRange(cpu, 20, 150);
        var cpuNote = Assert.Single(reading.Notes, n => n.StartsWith("cpuPercent", StringComparison.Ordinal));
        Assert.Contains($"pid {load.Id} (python3) and 1 descendant", cpuNote);
        Assert.Contains($"against 0.1 CPU ({group.CpuGroup}/cpu.cfs_quota_us 10000/cpu.cfs_period_us 100000 (cgroup v1 quota))", cpuNote);
        Assert.Equal(2, group.Pids.Count);
    }

    [Fact(Timeout = 120_000)]
    public async Task A_watch_over_a_process_near_its_groups_memory_limit_is_Investigate_on_memoryPercent()
    {
        using var group = new CgroupV1Fixture(64 * MiB);
        var load = group.StartLoad(56);
        var pidFile = WritePidFile(load.Id);
        using var file = HealthHarness.Config($"interval: 300ms\nresources:\n  pidFile: {pidFile}\n", "http://127.0.0.1:9");

        var (samples, decision, _) = await HealthHarness.WatchAsync(file, new WatchOptions { Duration = TimeSpan.FromSeconds(60), Until = WatchUntil.Decision });

        Assert.Equal((HealthVerdict.Investigate, "memoryPercent"), (decision.Verdict, decision.Rule));
        Assert.InRange(decision.Value!.Value, 80, 100);
        Assert.Contains(decision.Reasons, r => r.Contains("memory.limit_in_bytes (cgroup v1 limit)") && r.Contains("of 64 MiB"));
        // The watch primes the source, so even its first sample has a CPU figure.
        Assert.Contains(HealthSignals.CpuPercent, samples[0].Signals.Keys);
    }
}
