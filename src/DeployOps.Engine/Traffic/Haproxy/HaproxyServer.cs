using System.Globalization;

namespace DeployOps.Engine.Traffic.Haproxy;

/// <summary>
/// One server line of <c>show servers state</c> (format version 1, columns named by its '#' header line).
/// The admin state is a bit set: forced/inherited/resolution maintenance, forced/inherited drain. Config maintenance
/// (0x04, a <c>disabled</c> server line) stays set as a memory of haproxy.cfg after <c>state ready</c>: it is not a state.
/// </summary>
internal sealed record HaproxyServer(string Name, string Address, int Port, int OperationalState, int AdminState, int UserWeight)
{
    private const int MaintMask = 0x01 | 0x02 | 0x20; // FMAINT, IMAINT, RMAINT
    private const int DrainMask = 0x08 | 0x10;               // FDRAIN, IDRAIN

    public bool InMaintenance => (AdminState & MaintMask) != 0;
    public bool Draining => (AdminState & DrainMask) != 0;
    /// <summary>Operational state 2 is RUNNING (up, or no health check configured).</summary>
    public bool Running => OperationalState == 2;
    /// <summary>The share of new traffic haproxy gives this server: 0 when in maintenance or drain.</summary>
    public int EffectiveWeight => InMaintenance || Draining ? 0 : UserWeight;

    public string Describe() => $"{Name} {Address}:{Port} " + (InMaintenance ? "maint" : Draining ? "drain" : $"weight={UserWeight}") +
        (Running ? "" : " (down)");

    /// <summary>The servers of one backend, or null when haproxy does not know the backend.</summary>
    public static IReadOnlyList<HaproxyServer>? ParseState(string answer, string backend)
    {
        if (answer.StartsWith("Can't find backend", StringComparison.Ordinal)) return null;
        var lines = answer.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var header = lines.FirstOrDefault(l => l.StartsWith("# ", StringComparison.Ordinal))?[2..].Split(' ')
            ?? throw new FormatException($"'show servers state {backend}' answered without a header line: {First(answer)}");
        int Column(string name) => Array.IndexOf(header, name) is var i and >= 0 ? i
            : throw new FormatException($"'show servers state' has no column {name}");
        var (be, srv, addr, port, op, admin, weight) = (Column("be_name"), Column("srv_name"), Column("srv_addr"), Column("srv_port"),
            Column("srv_op_state"), Column("srv_admin_state"), Column("srv_uweight"));
        var needed = new[] { be, srv, addr, port, op, admin, weight }.Max();
        var servers = new List<HaproxyServer>();
        foreach (var line in lines.Where(l => !l.StartsWith('#') && l.Contains(' ')))
        {
            var f = line.Split(' ');
            if (f.Length <= needed || f[be] != backend) continue;
            servers.Add(new HaproxyServer(f[srv], f[addr], Int(f[port]), Int(f[op]), Int(f[admin]), Int(f[weight])));
        }
        return servers;
    }

    /// <summary>Current sessions (<c>scur</c>) of one server from <c>show stat</c> CSV; null when the row is missing.</summary>
    public static int? CurrentSessions(string csv, string backend, string server)
    {
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var header = lines.FirstOrDefault(l => l.StartsWith("# ", StringComparison.Ordinal))?[2..].Split(',');
        if (header is null) return null;
        var (px, sv, scur) = (Array.IndexOf(header, "pxname"), Array.IndexOf(header, "svname"), Array.IndexOf(header, "scur"));
        foreach (var line in lines.Where(l => !l.StartsWith('#')))
        {
            var f = line.Split(',');
            if (f.Length > scur && f[px] == backend && f[sv] == server) return Int(f[scur]);
        }
        return null;
    }

    public static string First(string answer) => answer.Trim().Split('\n')[0];

    private static int Int(string value) => int.Parse(value, NumberStyles.Integer, CultureInfo.InvariantCulture);
}
