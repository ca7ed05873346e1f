using DeployOps.Engine.Audit;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Support;
using DeployOps.Engine.Traffic;

namespace DeployOps.Engine.Tests.Traffic;

/// <summary>
/// Hand-written upstream files of every common shape, read the way nginx reads them and mapped to the configured
/// slots/instances by host:port; whatever cannot be read with certainty is TrafficStateUnknown naming file:line.
/// </summary>
public sealed class NginxUpstreamFileTests : IDisposable
{
    private static readonly DeploymentTarget Blue = new("blue", "127.0.0.1", 8001);
    private static readonly DeploymentTarget Green = new("green", "127.0.0.1", 8002);
    private static readonly DeploymentTarget[] Slots = { Blue, Green };
    private static readonly DeploymentTarget[] Web = { new("web1", "127.0.0.1", 9001), new("web2", "127.0.0.1", 9002), new("web3", "127.0.0.1", 9003) };
    private readonly TempConfig _dir = new("placeholder: true");

    private string Conf => Path.Combine(_dir.Directory, "conf");
    private string UpstreamFile => Path.Combine(Conf, "conf.d", "app-upstream.conf");

    private TrafficSettings Settings(string nginxArguments = "") =>
        TrafficSettings.ForNginx(UpstreamFile, "app", "http://127.0.0.1:1/version", nginxArguments: nginxArguments);

    private IReadOnlyList<TrafficBackend>? Read(string text, IReadOnlyList<DeploymentTarget>? instances = null, string nginxArguments = "")
    {
        Directory.CreateDirectory(Path.GetDirectoryName(UpstreamFile)!);
        File.WriteAllText(UpstreamFile, text);
        return NginxUpstreamFile.Read(UpstreamFile, Settings(nginxArguments), instances is null ? Slots : Array.Empty<DeploymentTarget>(),
            instances ?? Array.Empty<DeploymentTarget>());
    }

    private DeployOpsException Refused(string text, int line, string why, IReadOnlyList<DeploymentTarget>? instances = null, string nginxArguments = "")
    {
        var ex = Assert.Throws<DeployOpsException>(() => Read(text, instances, nginxArguments));
        Assert.Equal(ErrorIds.TrafficStateUnknown, ex.ErrorId);
        Assert.Contains(why, ex.Message);
        if (line > 0) Assert.Contains($"{UpstreamFile}:{line}:", ex.Message);
        Assert.Contains("Switch-DeploymentTraffic -To blue|green -Adopt", ex.Message);
        return ex;
    }

    private static string Live(IReadOnlyList<TrafficBackend>? backends) => TrafficSwitcher.ActiveSlot(backends) ?? "(none)";

    [Fact]
    public void One_live_one_down_names_the_live_slot()
    {
        var backends = Read("upstream app {\n    server 127.0.0.1:8001;\n    server 127.0.0.1:8002 down;\n}\n");
        Assert.Equal("blue", Live(backends));
        Assert.Equal("blue 127.0.0.1:8001 weight=1; green 127.0.0.1:8002 down", TrafficBackend.Describe(backends!));
    }

    [Fact]
    public void Green_live_by_hand_is_read_as_green()
    {
        Assert.Equal("green", Live(Read("upstream app { server 127.0.0.1:8001 down; server 127.0.0.1:8002 weight=100; }")));
    }

    [Fact]
    public void Weight_100_against_down_and_failure_parameters_read_as_weights()
    {
        var backends = Read("upstream app {\n  server 127.0.0.1:8001 weight=100 max_fails=3 fail_timeout=5s;\n  server 127.0.0.1:8002 weight=100 down max_conns=10;\n  keepalive 16;\n}\n");
        Assert.Equal("blue 127.0.0.1:8001 weight=100; green 127.0.0.1:8002 down", TrafficBackend.Describe(backends!));
    }

    [Fact]
    public void A_weight_nginx_rejects_is_refused_at_its_line()
    {
        Refused("upstream app {\n  server 127.0.0.1:8001 weight=100;\n  server 127.0.0.1:8002 weight=0;\n}\n", 3, "'weight=0' is not a weight nginx accepts");
    }

    [Fact]
    public void A_backup_server_takes_no_traffic()
    {
        Assert.Equal("green", Live(Read("upstream app { server 127.0.0.1:8002; server 127.0.0.1:8001 backup; }")));
    }

    [Fact]
    public void Comments_and_commented_out_servers_are_ignored()
    {
        var backends = Read("# blue/green by hand, switched by editing this file\nupstream app {\n  # server 127.0.0.1:8002;\n" +
            "  server 127.0.0.1:8001;   # blue, live since Monday\n  server 127.0.0.1:8002 down; # green\n}\n");
        Assert.Equal("blue 127.0.0.1:8001 weight=1; green 127.0.0.1:8002 down", TrafficBackend.Describe(backends!));
    }

    [Fact]
    public void Several_servers_on_one_line_and_a_missing_slot_read_as_written()
    {
        Assert.Equal("green", Live(Read("upstream app { server 127.0.0.1:8002 weight=5; }")));
        var backends = Read("upstream app { server 127.0.0.1:8001 down; server 127.0.0.1:8002; }");
        Assert.Equal("green", Live(backends));
    }

    [Fact]
    public void An_include_is_resolved_against_nginx_conf_directory()
    {
        Directory.CreateDirectory(Path.Combine(Conf, "servers"));
        File.WriteAllText(Path.Combine(Conf, "servers", "blue.conf"), "server 127.0.0.1:8001 down;\n");
        File.WriteAllText(Path.Combine(Conf, "servers", "green.conf"), "server 127.0.0.1:8002;\n");
        var arguments = $"-p {_dir.Directory}/ -c conf/nginx.conf";

        Assert.Equal("green", Live(Read("upstream app {\n    include servers/*.conf;\n}\n", nginxArguments: arguments)));
        Assert.Equal("green", Live(Read($"upstream app {{ include {Conf}/servers/green.conf; server 127.0.0.1:8001 backup; }}")));
    }

    [Fact]
    public void A_relative_include_without_the_nginx_conf_path_is_refused()
    {
        Refused("upstream app {\n    include servers/*.conf;\n}\n", 2, "relative to nginx's conf directory");
    }

    [Fact]
    public void A_line_in_an_included_file_is_named_by_that_file()
    {
        Directory.CreateDirectory(Conf);
        var included = Path.Combine(Conf, "servers.conf");
        File.WriteAllText(included, "server 127.0.0.1:8001;\n\nserver 127.0.0.1:7777 down;\n");
        var ex = Refused($"upstream app {{ include {included}; }}", 0, "server 127.0.0.1:7777 is none of the configured targets");
        Assert.Contains($"{included}:3:", ex.Message);
    }

    [Fact]
    public void Of_two_upstream_blocks_the_configured_one_is_read()
    {
        var backends = Read("upstream admin { server 127.0.0.1:8002; }\nupstream app {\n  server 127.0.0.1:8001;\n  server 127.0.0.1:8002 down;\n}\n");
        Assert.Equal("blue", Live(backends));
        Refused("upstream admin { server 127.0.0.1:8002; }\n", 0, "has no 'upstream app { }' (traffic.upstreamName); it defines upstream admin");
    }

    [Fact]
    public void Bare_server_lines_are_an_upstream_body_included_by_nginx_conf()
    {
        Assert.Equal("blue", Live(Read("server 127.0.0.1:8001;\nserver 127.0.0.1:8002 down;\n")));
    }

    [Fact]
    public void Garbage_is_refused_at_its_line()
    {
        Refused("upstream app {\n  server 127.0.0.1:8001;\n  server 127.0.0.1:8002 down\n", 3, "directive 'server' is not terminated by ';' or '{'");
        Refused("upstream app {\n  server 127.0.0.1:8001;\n", 2, "a block is not closed with '}'");
        Refused("upstream app {\n  server 127.0.0.1:8001;\n}\n}\n", 4, "unexpected '}'");
        Refused("upstream app {\n  server \"127.0.0.1:8001;\n}\n", 2, "a quoted string is not closed");
        Refused("upstream app {\n  server 127.0.0.1:8001 slow=1;\n}\n", 2, "server parameter 'slow=1' is not understood");
        Refused("upstream app {\n  sticky cookie srv;\n  server 127.0.0.1:8001;\n}\n", 2, "'sticky' inside upstream app is not understood");
    }

    [Fact]
    public void Both_slots_live_is_refused_whatever_the_weights()
    {
        Refused("upstream app {\n  server 127.0.0.1:8001;\n  server 127.0.0.1:8002;\n}\n", 3, "more than one slot takes traffic");
        Refused("upstream app {\n  server 127.0.0.1:8001 weight=90;\n  server 127.0.0.1:8002 weight=10;\n}\n", 3, "no slot is idle");
    }

    [Fact]
    public void Unknown_servers_variables_sockets_and_no_live_server_are_refused()
    {
        Refused("upstream app {\n  server 127.0.0.1:8001;\n  server 10.0.0.5:8002 down;\n}\n", 3, "server 10.0.0.5:8002 is none of the configured targets (blue 127.0.0.1:8001");
        Refused("upstream app {\n  server localhost:8001;\n}\n", 2, "server localhost:8001 is none of the configured targets");
        Refused("upstream app {\n  server $backend;\n}\n", 2, "the server line uses a variable");
        Refused("upstream app {\n  server unix:/run/app.sock;\n}\n", 2, "is a unix socket");
        Refused("upstream app {\n  server 127.0.0.1:8001 down;\n  server 127.0.0.1:8002 backup;\n}\n", 2, "no server takes traffic");
        Refused("upstream app {\n  server 127.0.0.1:8001;\n  server 127.0.0.1:8001 down;\n}\n", 3, "listed more than once");
    }

    [Fact]
    public void Instances_all_live_are_read_with_their_weights()
    {
        var backends = Read("upstream app { least_conn; server 127.0.0.1:9001; server 127.0.0.1:9002 weight=3; server 127.0.0.1:9003 down; }", Web);
        Assert.Equal("web1 127.0.0.1:9001 weight=1; web2 127.0.0.1:9002 weight=3; web3 127.0.0.1:9003 down", TrafficBackend.Describe(backends!));
        // No slot to adopt with: the refusal says how to make the file readable instead.
        var ex = Assert.Throws<DeployOpsException>(() => Read("upstream app {\n  server 127.0.0.1:9001;\n  server 127.0.0.1:9009;\n}\n", Web));
        Assert.Equal(ErrorIds.TrafficStateUnknown, ex.ErrorId);
        Assert.Contains($"{UpstreamFile}:3: server 127.0.0.1:9009 is none of the configured targets", ex.Message);
        Assert.Contains("Make every server line a configured instance's host:port", ex.Message);
    }

    [Fact]
    public void A_file_DeployOps_wrote_is_read_from_its_marker_and_a_missing_file_is_null()
    {
        Assert.Null(NginxUpstreamFile.Read(UpstreamFile, Settings(), Slots, Array.Empty<DeploymentTarget>()));
        var router = new NginxRouter(Settings(), new Redactor());
        var ours = router.Render(TrafficSwitcher.AllTo(Slots, "green"));
        Assert.True(NginxUpstreamFile.IsOurs(ours));
        Assert.Equal("green", Live(Read(ours)));
    }

    public void Dispose() => _dir.Dispose();
}
