using DeployOps.Engine.Checks;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Checks.Disk;

public sealed class DiskCheckTests
{
    [Fact]
    public async Task Passes_with_a_tiny_threshold_and_reports_free_and_total_bytes_of_the_config_folder()
    {
        using var cfg = new TempConfig(OneCheck.Header + "checks:\n  - name: disk\n    kind: disk\n    minFree: 1MB\n");
        var (result, _, _) = await OneCheck.RunAsync(cfg);

        Assert.Equal(CheckStatus.Passed, result.Status);
        Assert.Equal("System", result.Category);
        Assert.Equal(cfg.Directory, result.Target);
        var free = (long)result.Data["freeBytes"]!;
        var total = (long)result.Data["totalBytes"]!;
        Assert.InRange(free, 1_000_000, total);
        var expected = new DriveInfo(cfg.Directory);
        Assert.Equal(expected.TotalSize, total);
        Assert.Contains("(at least 1 MB required)", result.Message);
    }

    [Fact]
    public async Task Fails_with_an_impossible_threshold_saying_how_much_is_free_and_required()
    {
        var (result, _, _) = await OneCheck.RunAsync("checks:\n  - name: disk\n    kind: disk\n    path: /tmp\n    minFree: 1000TB\n");

        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.Matches(@"^only [\d.]+ [KMGT]?B free of [\d.]+ [KMGT]?B on /tmp.*; at least 1000 TB is required$", result.Message);
        Assert.Equal(1_000_000_000_000_000L, result.Data["minFreeBytes"]);
    }

    [Fact]
    public async Task Between_minFree_and_warnFree_is_a_warning_and_a_missing_path_fails()
    {
        var (warned, _, _) = await OneCheck.RunAsync("checks:\n  - name: disk\n    kind: disk\n    path: /\n    minFree: 1MB\n    warnFree: 1000TB\n");
        Assert.Equal(CheckStatus.Warning, warned.Status);
        Assert.Contains("below the warning level of 1000 TB", warned.Message);

        var (missing, _, _) = await OneCheck.RunAsync("checks:\n  - name: disk\n    kind: disk\n    path: does/not/exist\n");
        Assert.Equal(CheckStatus.Failed, missing.Status);
        Assert.EndsWith("does/not/exist does not exist", missing.Message);
    }

    [Fact]
    public void WarnFree_below_minFree_is_a_configuration_error()
    {
        var error = Assert.Single(OneCheck.Validate("checks:\n  - name: disk\n    kind: disk\n    minFree: 10GB\n    warnFree: 5GB\n"));
        Assert.Equal("checks[0].warnFree", error.Path);
    }
}
