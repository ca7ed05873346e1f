using DeployOps.Engine.Checks;
using DeployOps.Engine.Checks.Memory;

namespace DeployOps.Engine.Tests.Checks.Memory;

public sealed class MemoryCheckTests
{
    private const string Modern = """
        MemTotal:       24683656 kB
        MemFree:         1203340 kB
        MemAvailable:   20309260 kB
        Buffers:          402180 kB
        Cached:         17001236 kB
        SwapCached:            0 kB
        HugePages_Total:       0
        Hugepagesize:       2048 kB
        """;

    private const string BeforeKernel314 = """
        MemTotal:        2048000 kB
        MemFree:          100000 kB
        Buffers:           20000 kB
        Cached:           300000 kB
        SReclaimable:      30000 kB
        """;

    [Fact]
    public void Meminfo_parser_uses_MemAvailable_in_bytes()
    {
        var snapshot = MemorySnapshot.Parse(Modern)!;
        Assert.Equal(20309260L * 1024, snapshot.AvailableBytes);
        Assert.Equal(24683656L * 1024, snapshot.TotalBytes);
        Assert.Equal("/proc/meminfo MemAvailable", snapshot.Source);
    }

    [Fact]
    public void Meminfo_parser_estimates_available_memory_on_old_kernels_and_refuses_garbage()
    {
        var snapshot = MemorySnapshot.Parse(BeforeKernel314)!;
        Assert.Equal((100000L + 20000 + 300000 + 30000) * 1024, snapshot.AvailableBytes);
        Assert.Equal(2048000L * 1024, snapshot.TotalBytes);
        Assert.Null(MemorySnapshot.Parse("not meminfo at all"));
    }

    [Fact]
    public async Task Real_memory_passes_a_small_threshold_and_reports_the_source()
    {
        var (result, _, _) = await OneCheck.RunAsync("checks:\n  - name: mem\n    kind: memory\n    minAvailable: 1MB\n");

        Assert.Equal(CheckStatus.Passed, result.Status);
        Assert.Equal("System", result.Category);
        Assert.InRange((long)result.Data["availableBytes"]!, 1_000_000, (long)result.Data["totalBytes"]!);
        // Under a cgroup v2 memory limit tighter than the host the limit is the source (CgroupMemoryTests).
        if (OperatingSystem.IsLinux() && CgroupMemory.Read() is null)
        {
            Assert.Equal("/proc/meminfo MemAvailable", result.Data["source"]);
            Assert.Equal(MemorySnapshot.Parse(File.ReadAllText("/proc/meminfo"))!.TotalBytes, result.Data["totalBytes"]);
        }
        Assert.Contains("(at least 1 MB required)", result.Message);
    }

    [Fact]
    public async Task Real_memory_fails_a_huge_threshold_saying_what_is_available_and_required()
    {
        var (result, _, _) = await OneCheck.RunAsync("checks:\n  - name: mem\n    kind: memory\n    minAvailable: 1000TB\n");

        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.Matches(@"^only [\d.]+ [KMGT]?B of [\d.]+ [KMGT]?B memory available; at least 1000 TB is required$", result.Message);

        var (warned, _, _) = await OneCheck.RunAsync("checks:\n  - name: mem\n    kind: memory\n    minAvailable: 1MB\n    warnAvailable: 1000TB\n");
        Assert.Equal(CheckStatus.Warning, warned.Status);
    }

    [Fact]
    public async Task The_default_threshold_is_8GB()
    {
        var (configured, _, _) = await OneCheck.RunAsync("checks:\n  - name: mem\n    kind: memory\n");
        Assert.Equal(8_000_000_000L, configured.Data["minAvailableBytes"]);

        var snapshot = new MemorySnapshot(7_999_999_999, 16_000_000_000, "test");
        var check = new MemoryCheck(MemoryCheckFactory.DefaultMinAvailable, null, () => snapshot);
        Assert.Equal(CheckStatus.Failed, (await check.RunAsync(CancellationToken.None)).Status);
        var enough = new MemoryCheck(MemoryCheckFactory.DefaultMinAvailable, null, () => snapshot with { AvailableBytes = 8_000_000_000 });
        Assert.Equal(CheckStatus.Passed, (await enough.RunAsync(CancellationToken.None)).Status);
    }
}
