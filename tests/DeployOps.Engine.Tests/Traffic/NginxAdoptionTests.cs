using DeployOps.Engine.Audit;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;
using DeployOps.Engine.Traffic;

namespace DeployOps.Engine.Tests.Traffic;

/// <summary>
/// A real nginx serving an upstream file an admin wrote by hand (no DeployOps marker): the router reads the slot nginx
/// really sends traffic to, refuses a file it cannot read with certainty, and takes the file over only on -Adopt.
/// </summary>
public sealed class NginxAdoptionTests : IClassFixture<NginxAdoptionTests.Apps>
{
    private readonly Apps _apps;

    public NginxAdoptionTests(Apps apps) => _apps = apps;

    public sealed class Apps : IDisposable
    {
        public DemoAppProcess Blue { get; } = new("1.0.0");
        public DemoAppProcess Green { get; } = new("2.0.0");
        internal DeploymentTarget[] Slots => new[] { new DeploymentTarget("blue", "127.0.0.1", Blue.Port), new DeploymentTarget("green", "127.0.0.1", Green.Port) };

        public void Dispose()
        {
            Blue.Dispose();
            Green.Dispose();
        }
    }

    private NginxRouter Router(NginxStage stage, bool adopt = false) =>
        new(stage.Settings(), new Redactor(), null, _apps.Slots, Array.Empty<DeploymentTarget>()) { Adopt = adopt };

    /// <summary>Replaces the stage's upstream file with <paramref name="text"/> and makes nginx serve it.</summary>
    private static void ServeByHand(NginxStage stage, string text)
    {
        File.WriteAllText(stage.UpstreamFile, text);
        var (ok, output) = stage.Nginx.Test();
        Assert.True(ok, output);
        stage.Nginx.Reload();
    }

    [Fact]
    public async Task A_hand_written_blue_live_file_reads_as_blue_and_a_switch_takes_it_over()
    {
        using var stage = new NginxStage(TrafficSwitcher.AllTo(_apps.Slots, "green"));
        var servers = Path.Combine(stage.Nginx.ConfDirectory, "servers");
        Directory.CreateDirectory(servers);
        File.WriteAllText(Path.Combine(servers, "green.inc"), $"server 127.0.0.1:{_apps.Green.Port} down; # green, idle\n");
        ServeByHand(stage, $"# our blue/green, switched by hand\nupstream app {{\n    server 127.0.0.1:{_apps.Blue.Port} max_fails=2 fail_timeout=5s;\n" +
            $"    include {servers}/*.inc;\n    keepalive 8;\n}}\n");
        Assert.True(await stage.SettlesOnAsync("1.0.0"), "nginx did not settle on the hand-written blue");
        var router = Router(stage);

        Assert.Equal("blue", TrafficSwitcher.ActiveSlot(await router.ReadCurrentAsync(CancellationToken.None)));

        var change = await router.ApplyAsync(TrafficSwitcher.AllTo(_apps.Slots, "green"), CancellationToken.None);
        Assert.Contains($"blue 127.0.0.1:{_apps.Blue.Port} weight=1", change.From);
        Assert.Equal(20, (await stage.CountVersionsAsync(20)).GetValueOrDefault("2.0.0"));
        Assert.True(NginxUpstreamFile.IsOurs(File.ReadAllText(stage.UpstreamFile)));
    }

    [Fact]
    public async Task An_ambiguous_file_nginx_serves_is_refused_unchanged_and_adopt_takes_it_over()
    {
        using var stage = new NginxStage(TrafficSwitcher.AllTo(_apps.Slots, "blue"));
        var handWritten = $"upstream app {{\n    server 127.0.0.1:{_apps.Blue.Port};\n    server 127.0.0.1:{_apps.Green.Port};\n}}\n";
        ServeByHand(stage, handWritten);

        var read = await Assert.ThrowsAsync<DeployOpsException>(() => Router(stage).ReadCurrentAsync(CancellationToken.None));
        Assert.Equal(ErrorIds.TrafficStateUnknown, read.ErrorId);
        Assert.Contains($"{stage.UpstreamFile}:3: more than one slot takes traffic", read.Message);
        var apply = await Assert.ThrowsAsync<DeployOpsException>(() => Router(stage).ApplyAsync(TrafficSwitcher.AllTo(_apps.Slots, "green"), CancellationToken.None));
        Assert.Equal(ErrorIds.TrafficStateUnknown, apply.ErrorId);
        Assert.Equal(handWritten, File.ReadAllText(stage.UpstreamFile));

        var change = await Router(stage, adopt: true).ApplyAsync(TrafficSwitcher.AllTo(_apps.Slots, "green"), CancellationToken.None);

        Assert.Equal("(hand-written file, adopted)", change.From);
        var counts = await stage.CountVersionsAsync(20);
        Assert.True(counts.GetValueOrDefault("2.0.0") == 20, NginxStage.Show(counts));
        Assert.Equal("green", TrafficSwitcher.ActiveSlot(await Router(stage).ReadCurrentAsync(CancellationToken.None)));
    }
}
