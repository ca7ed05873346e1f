using System.Globalization;
using System.Text.Json;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Strategies;

namespace DeployOps.Engine.Traffic;

/// <summary>
/// Reads which backends the upstream include file really routes to. A file DeployOps wrote carries its assignment
/// in the <c># deployops-backends:</c> marker; any other file (an admin's hand-written blue/green) is read the way
/// nginx reads it: <c>server host:port</c> lines with <c>down</c>, <c>backup</c> and <c>weight=N</c>, mapped to the
/// configured slots and instances by host:port. Whatever cannot be read with certainty is refused as
/// TrafficStateUnknown, never guessed: a wrong reading makes a blue-green deployment stop the live slot.
/// </summary>
internal static class NginxUpstreamFile
{
    public const string StateMarker = "# deployops-backends: ";

    /// <summary>The directive parameters of an upstream <c>server</c> that do not change who gets traffic.</summary>
    private static readonly string[] NeutralServerParameters = { "max_fails=", "fail_timeout=", "max_conns=", "slow_start=", "resolve", "service=", "route=" };

    /// <summary>Upstream-level directives that change load balancing, not membership or weights.</summary>
    private static readonly HashSet<string> NeutralUpstreamDirectives = new(StringComparer.Ordinal)
    {
        "keepalive", "keepalive_timeout", "keepalive_requests", "keepalive_time", "least_conn", "ip_hash", "hash", "random", "zone", "ntlm",
    };

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>True when DeployOps wrote <paramref name="text"/> (it carries the assignment marker).</summary>
    public static bool IsOurs(string text) => ReadMarker(text) is not null;

    /// <summary>The assignment in our marker line, or null when the file has none.</summary>
    public static IReadOnlyList<TrafficBackend>? ReadMarker(string text)
    {
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith(StateMarker, StringComparison.Ordinal)) continue;
            var lines = JsonSerializer.Deserialize<List<BackendLine>>(line[StateMarker.Length..], Json);
            return lines?.Select(l => new TrafficBackend(l.Name, l.Host, l.Port, l.Weight)).ToList();
        }
        return null;
    }

    /// <summary>
    /// The assignment <paramref name="path"/> routes, or null when the file does not exist. Throws TrafficStateUnknown
    /// (naming file:line and the one-time adoption step) when a file DeployOps did not write cannot be read with certainty.
    /// </summary>
    public static IReadOnlyList<TrafficBackend>? Read(string path, TrafficSettings settings, IReadOnlyList<DeploymentTarget> slots,
        IReadOnlyList<DeploymentTarget> instances)
    {
        if (!File.Exists(path)) return null;
        var text = File.ReadAllText(path);
        if (ReadMarker(text) is { } ours) return ours;
        try
        {
            return ReadForeign(path, settings, slots, instances);
        }
        catch (DeployOpsException ex) when (ex.ErrorId == ErrorIds.TrafficStateUnknown)
        {
            // Adoption names a slot; a pool of instances has none, so there the file itself must be made readable.
            var step = slots.Count > 0
                ? $"Check which slot serves, then adopt the file once with 'Switch-DeploymentTraffic -To {string.Join("|", slots.Select(s => s.Name))} -Adopt' (DeployOps writes it from then on)."
                : "Make every server line a configured instance's host:port (deployment.instances) as nginx reads it; DeployOps writes the file from the next change on.";
            throw new DeployOpsException(ErrorIds.TrafficStateUnknown, ErrorKind.InvalidData,
                $"{path} was not written by DeployOps and which backend is live cannot be read from it with certainty: {ex.Message}. " +
                $"Nothing was changed. {step}", path, ex);
        }
    }

    /// <summary>
    /// The assignment a change replaces: as <see cref="Read"/>, except that when <paramref name="adopt"/> is set an
    /// unreadable hand-written file yields null (the operator took it over) instead of TrafficStateUnknown.
    /// </summary>
    public static IReadOnlyList<TrafficBackend>? ReadBeforeChange(string path, TrafficSettings settings, IReadOnlyList<DeploymentTarget> slots,
        IReadOnlyList<DeploymentTarget> instances, bool adopt)
    {
        try
        {
            return Read(path, settings, slots, instances);
        }
        catch (DeployOpsException ex) when (adopt && ex.ErrorId == ErrorIds.TrafficStateUnknown)
        {
            return null;
        }
    }

    private static IReadOnlyList<TrafficBackend> ReadForeign(string path, TrafficSettings settings, IReadOnlyList<DeploymentTarget> slots,
        IReadOnlyList<DeploymentTarget> instances)
    {
        var top = NginxConfigReader.ReadFile(path, NginxConfigReader.ConfDirectory(settings.NginxArguments));
        var body = UpstreamBody(path, top, settings.UpstreamName);
        var servers = new List<(TrafficBackend Backend, NginxDirective At, bool IsSlot)>();
        foreach (var d in body)
        {
            if (d.Name != "server")
            {
                if (NeutralUpstreamDirectives.Contains(d.Name) && d.Block is null) continue;
                throw NginxConfigReader.Unknown(d.File, d.Line, $"'{d.Name}' inside upstream {settings.UpstreamName} is not understood");
            }
            servers.Add(Server(d, slots, instances));
        }
        var at = body.Count > 0 ? body[0] : null;
        if (servers.Count == 0)
            throw NginxConfigReader.Unknown(at?.File ?? path, at?.Line ?? 0, $"upstream {settings.UpstreamName} has no server");
        foreach (var duplicate in servers.GroupBy(s => s.Backend.Name).Where(g => g.Count() > 1))
            throw NginxConfigReader.Unknown(duplicate.Last().At.File, duplicate.Last().At.Line,
                $"{duplicate.Key} ({duplicate.First().Backend.Address}) is listed more than once");
        if (servers.Any(s => s.IsSlot) && servers.Any(s => !s.IsSlot))
            throw NginxConfigReader.Unknown(servers[0].At.File, servers[0].At.Line, "the upstream mixes deployment.slots and deployment.instances");
        var live = servers.Where(s => s.Backend.Weight > 0).ToList();
        if (live.Count == 0)
            throw NginxConfigReader.Unknown(servers[0].At.File, servers[0].At.Line, "no server takes traffic (every server is down or backup)");
        // Blue-green needs exactly one slot with traffic: the other is the one a deployment may stop.
        if (servers[0].IsSlot && live.Count > 1)
            throw NginxConfigReader.Unknown(live[1].At.File, live[1].At.Line,
                $"more than one slot takes traffic ({string.Join(", ", live.Select(s => s.Backend))}), so no slot is idle");
        return servers.Select(s => s.Backend).ToList();
    }

    /// <summary>The directives inside <c>upstream NAME { }</c>; a file of bare server lines is an upstream body included by nginx.conf.</summary>
    private static IReadOnlyList<NginxDirective> UpstreamBody(string path, IReadOnlyList<NginxDirective> top, string upstreamName)
    {
        var blocks = top.Where(d => d.Name == "upstream" && d.Block is not null).ToList();
        var named = blocks.Where(d => d.Arguments.Count == 1 && d.Arguments[0] == upstreamName).ToList();
        if (named.Count > 1)
            throw NginxConfigReader.Unknown(named[1].File, named[1].Line, $"upstream {upstreamName} is defined more than once");
        if (named.Count == 1) return named[0].Block!;
        if (blocks.Count == 0 && top.Count > 0 && top.All(d => d.Block is null && (d.Name == "server" || NeutralUpstreamDirectives.Contains(d.Name))))
            return top;
        var others = blocks.Select(b => string.Join(" ", b.Arguments)).ToList();
        throw NginxConfigReader.Unknown(path, 0, $"has no 'upstream {upstreamName} {{ }}' (traffic.upstreamName)" +
            (others.Count > 0 ? $"; it defines upstream {string.Join(", ", others)}" : ""));
    }

    private static (TrafficBackend Backend, NginxDirective At, bool IsSlot) Server(NginxDirective d, IReadOnlyList<DeploymentTarget> slots,
        IReadOnlyList<DeploymentTarget> instances)
    {
        if (d.Block is not null || d.Arguments.Count == 0) throw NginxConfigReader.Unknown(d.File, d.Line, "'server' without an address");
        if (d.Arguments.Any(a => a.Contains('$'))) throw NginxConfigReader.Unknown(d.File, d.Line, "the server line uses a variable");
        var (host, port) = Address(d);
        int weight = 1;
        bool down = false, backup = false;
        foreach (var p in d.Arguments.Skip(1))
        {
            if (p == "down") down = true;
            else if (p == "backup") backup = true;
            else if (p.StartsWith("weight=", StringComparison.Ordinal))
            {
                if (!int.TryParse(p["weight=".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out weight) || weight < 1)
                    throw NginxConfigReader.Unknown(d.File, d.Line, $"'{p}' is not a weight nginx accepts (a whole number from 1)");
            }
            else if (!NeutralServerParameters.Any(n => n.EndsWith('=') ? p.StartsWith(n, StringComparison.Ordinal) : p == n))
                throw NginxConfigReader.Unknown(d.File, d.Line, $"server parameter '{p}' is not understood");
        }
        var target = Match(slots, host, port);
        var isSlot = target is not null;
        target ??= Match(instances, host, port) ?? throw NginxConfigReader.Unknown(d.File, d.Line,
            $"server {host}:{port} is none of the configured targets ({string.Join(", ", slots.Concat(instances).Select(t => $"{t.Name} {t.Host}:{t.Port}"))})");
        // A backup server gets requests only when every primary has failed: it is not where traffic goes.
        return (new TrafficBackend(target.Name, target.Host, target.Port, down || backup ? 0 : weight), d, isSlot);
    }

    private static (string Host, int Port) Address(NginxDirective d)
    {
        var address = d.Arguments[0];
        if (address.StartsWith("unix:", StringComparison.Ordinal))
            throw NginxConfigReader.Unknown(d.File, d.Line, $"server {address} is a unix socket, not a configured host:port");
        var colon = address.LastIndexOf(':');
        var closing = address.LastIndexOf(']');
        if (colon < 0 || colon < closing) return (address.Trim('[', ']'), 80);
        if (!int.TryParse(address[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            throw NginxConfigReader.Unknown(d.File, d.Line, $"server '{address}' has no valid port");
        return (address[..colon].Trim('[', ']'), port);
    }

    private static DeploymentTarget? Match(IReadOnlyList<DeploymentTarget> targets, string host, int port) =>
        targets.FirstOrDefault(t => t.Port == port && string.Equals(t.Host, host, StringComparison.OrdinalIgnoreCase));

    private sealed record BackendLine(string Name, string Host, int Port, int Weight);
}
