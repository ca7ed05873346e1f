using DeployOps.Engine.Traffic.Haproxy;

namespace DeployOps.Engine.Tests.Traffic;

/// <summary>Reading haproxy 2.6's runtime API answers (copied from a real haproxy): admin-state bits and sessions.</summary>
public sealed class HaproxyServerStateTests
{
    // blue in forced drain; green from a 'disabled' line after 'state ready' (config-maintenance bit 4 remains);
    // red forced into maintenance on top of its 'disabled' line (5).
    private const string State = """
        1
        # be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port
        3 app 1 blue 127.0.0.1 2 8 100 100 0 1 0 2 0 0 0 0 - 18992 - 0 0 - - 0
        3 app 2 green 127.0.0.1 2 4 25 100 1 1 0 0 8 0 0 0 - 18993 - 0 0 - - 0
        3 app 3 red 127.0.0.1 0 5 100 100 1 1 0 0 8 0 0 0 - 18994 - 0 0 - - 0
        4 other 1 blue 10.0.0.1 2 0 1 1 1 1 0 0 8 0 0 0 - 80 - 0 0 - - 0

        """;

    [Fact]
    public void Admin_state_bits_give_the_effective_weight()
    {
        var servers = HaproxyServer.ParseState(State, "app")!;

        Assert.Equal(new[] { "blue:0:drain", "green:25:weight=25", "red:0:maint" },
            servers.Select(s => $"{s.Name}:{s.EffectiveWeight}:{s.Describe().Split(' ')[2]}"));
        Assert.Equal(18993, servers[1].Port);
        Assert.False(servers[2].Running);
    }

    [Fact]
    public void An_unknown_backend_is_null_and_a_headerless_answer_is_a_format_error()
    {
        Assert.Null(HaproxyServer.ParseState("Can't find backend.\n", "shop"));
        Assert.Throws<FormatException>(() => HaproxyServer.ParseState("Unknown command.\n", "app"));
    }

    [Fact]
    public void Current_sessions_come_from_the_servers_show_stat_row()
    {
        const string csv = "# pxname,svname,qcur,qmax,scur,smax,slim\nweb,FRONTEND,,,7,9,\napp,blue,0,0,3,5,\napp,green,0,0,0,2,\napp,BACKEND,0,0,3,5,\n";

        Assert.Equal(3, HaproxyServer.CurrentSessions(csv, "app", "blue"));
        Assert.Equal(0, HaproxyServer.CurrentSessions(csv, "app", "green"));
        Assert.Null(HaproxyServer.CurrentSessions(csv, "app", "red"));
    }
}
