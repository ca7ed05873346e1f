using DeployOps.Engine.Audit;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Traffic;

namespace DeployOps.Engine.Tests.Traffic;

/// <summary>
/// Faults outside DeployOps' include file are reported as what they are, against a real nginx: a hand-broken
/// nginx.conf is TrafficConfigInvalid at nginx's file:line, a stopped nginx is RouterUnavailable, and in both cases
/// the include is back byte for byte (that is not a failed restore).
/// </summary>
public sealed class NginxFaultTests : IClassFixture<NginxRouterTests.Slots>
{
    private readonly NginxRouterTests.Slots _slots;

    public NginxFaultTests(NginxRouterTests.Slots slots) => _slots = slots;

    [Fact]
    public async Task A_hand_broken_nginx_conf_is_TrafficConfigInvalid_at_its_file_and_line_and_our_include_is_put_back()
    {
        using var stage = new NginxStage(_slots.Weights(100, 0));
        var before = File.ReadAllText(stage.UpstreamFile);
        File.AppendAllText(stage.Nginx.MainConfig, "\nbogus_directive_by_hand on;\n");
        var line = Array.FindIndex(File.ReadAllLines(stage.Nginx.MainConfig), l => l.StartsWith("bogus_directive_by_hand", StringComparison.Ordinal)) + 1;
        var router = new NginxRouter(stage.Settings(), new Redactor());

        var ex = await Assert.ThrowsAsync<DeployOpsException>(() => router.ApplyAsync(_slots.Weights(0, 100), CancellationToken.None));

        Assert.Equal(ErrorIds.TrafficConfigInvalid, ex.ErrorId);
        Assert.Contains($"{stage.Nginx.MainConfig}:{line}", ex.Message);
        Assert.Contains("bogus_directive_by_hand", ex.Message);
        Assert.Contains($"outside {stage.UpstreamFile}", ex.Message);
        Assert.DoesNotContain("failed too", ex.Message);
        Assert.Equal(stage.Nginx.MainConfig, ex.Target);
        Assert.Equal(before, File.ReadAllText(stage.UpstreamFile));
        // nginx never reloaded: it still routes everything to blue.
        Assert.Equal(10, (await stage.CountVersionsAsync(10)).GetValueOrDefault("1.0.0"));
    }

    [Fact]
    public async Task A_stopped_nginx_is_RouterUnavailable_and_our_include_is_put_back()
    {
        using var stage = new NginxStage(_slots.Weights(100, 0));
        var before = File.ReadAllText(stage.UpstreamFile);
        stage.Nginx.Stop();
        var router = new NginxRouter(stage.Settings(), new Redactor());

        var ex = await Assert.ThrowsAsync<DeployOpsException>(() => router.ApplyAsync(_slots.Weights(0, 100), CancellationToken.None));

        Assert.Equal(ErrorIds.RouterUnavailable, ex.ErrorId);
        Assert.Contains("nginx is not running", ex.Message);
        Assert.Contains("nginx.pid", ex.Message);
        Assert.Equal(before, File.ReadAllText(stage.UpstreamFile));
    }

    [Fact]
    public async Task A_broken_include_of_our_own_is_TrafficConfigInvalid_without_blaming_another_file()
    {
        using var stage = new NginxStage(_slots.Weights(100, 0));
        var router = new NginxRouter(stage.Settings(), new Redactor());
        var invalid = new[] { new TrafficBackend("green", "127.0.0.1", _slots.Green.Port, 100), new TrafficBackend("bad", "no-such-host.invalid", 80, 0) };

        var ex = await Assert.ThrowsAsync<DeployOpsException>(() => router.ApplyAsync(invalid, CancellationToken.None));

        Assert.Equal(ErrorIds.TrafficConfigInvalid, ex.ErrorId);
        Assert.Contains($"{stage.UpstreamFile}:", ex.Message);
        Assert.DoesNotContain("outside", ex.Message);
    }
}
