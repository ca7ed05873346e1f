using System.Diagnostics;
using System.Net;
using DeployOps.Engine.Audit;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Timing;

namespace DeployOps.Engine.Traffic.Haproxy;

/// <summary>
/// Drives a backend of a running HAProxy over its runtime API: weights and server states change in place, with no
/// reload and no new process, so no client connection is closed. A change raises the servers that gain traffic
/// (weight, then <c>state ready</c>) and waits until haproxy reports them up before it lowers any other, so the
/// backend is never without a server; a server taken out goes to <c>state drain</c> and DeployOps waits until its
/// current sessions reach 0 (or <see cref="HaproxySettings.DrainTimeout"/>). Then the change is confirmed through the
/// router, and <c>show servers state</c> is written to the state file so a later reload keeps the weights. Any
/// failure puts every server back as it was.
/// </summary>
internal sealed class HaproxyRouter : ITrafficRouter
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);
    private const int MaxWeight = 256; // haproxy's limit for 'set server … weight'

    private readonly TrafficSettings _settings;
    private readonly HaproxySettings _haproxy;
    private readonly Redactor _redactor;
    private readonly Action<string>? _log;
    private readonly TimeProvider _clock;
    private readonly HaproxyRuntimeApi _api;
    private readonly RouterProbe _probe;
    private int _applied; // runtime API commands haproxy accepted: nothing to undo while it has not moved

    public HaproxyRouter(TrafficSettings settings, Redactor redactor, Action<string>? log = null, TimeProvider? clock = null)
    {
        if (settings.Provider != TrafficProvider.Haproxy || settings.Haproxy is null)
            throw new DeployOpsException(ErrorIds.TrafficNotConfigured, ErrorKind.InvalidOperation,
                "deployment.traffic is not configured for haproxy (provider: haproxy with a haproxy: section)", null);
        _settings = settings;
        _haproxy = settings.Haproxy;
        _redactor = redactor;
        _log = log;
        _clock = clock ?? TimeProvider.System;
        _api = new HaproxyRuntimeApi(_haproxy.Socket);
        Target = $"haproxy backend {_haproxy.Backend} ({_haproxy.Socket})";
        _probe = new RouterProbe(settings, redactor, Target, log, _clock);
    }

    public string Target { get; }

    public async Task<IReadOnlyList<TrafficBackend>?> ReadCurrentAsync(CancellationToken cancellationToken)
    {
        var servers = await ServersAsync(cancellationToken).ConfigureAwait(false);
        var names = _haproxy.Servers.ToDictionary(kv => kv.Value, kv => kv.Key, StringComparer.Ordinal);
        return servers.Select(s => new TrafficBackend(names.GetValueOrDefault(s.Name, s.Name), s.Address, s.Port, s.EffectiveWeight)).ToList();
    }

    public async Task<TrafficChange> ApplyAsync(IReadOnlyList<TrafficBackend> backends, CancellationToken cancellationToken)
    {
        Validate(backends);
        var clock = Stopwatch.StartNew();
        var before = await ServersAsync(cancellationToken).ConfigureAwait(false);
        var plan = backends.Select(b => (Backend: b, Server: Match(b, before))).ToList();
        // Learn who each backend is before routing to it (one that answers with an error status is routed to: the gate judges it).
        var identities = await _probe.IdentitiesAsync(backends, cancellationToken).ConfigureAwait(false);
        var from = string.Join("; ", plan.Select(p => Describe(p.Backend.Name, p.Server)));
        var appliedBefore = _applied;
        try
        {
            // 1. Raise: every server that keeps or gains traffic gets its weight, then leaves drain/maintenance.
            foreach (var (b, s) in plan.Where(p => p.Backend.Weight > 0 && p.Backend.Weight >= p.Server.EffectiveWeight))
                await RaiseAsync(s, b.Weight, cancellationToken).ConfigureAwait(false);
            await WaitUpAsync(plan.Where(p => p.Backend.Weight > 0).Select(p => p.Server.Name).ToList(), cancellationToken).ConfigureAwait(false);
            // 2. Lower: only now that the new servers are up do the others lose traffic.
            foreach (var (b, s) in plan.Where(p => p.Backend.Weight > 0 && p.Backend.Weight < p.Server.EffectiveWeight))
                await CommandAsync($"set server {_haproxy.Backend}/{s.Name} weight {b.Weight}", cancellationToken).ConfigureAwait(false);
            var drained = plan.Where(p => p.Backend.Weight == 0 && p.Server.EffectiveWeight > 0).Select(p => p.Server.Name).ToList();
            foreach (var s in drained)
                await CommandAsync($"set server {_haproxy.Backend}/{s} state drain", cancellationToken).ConfigureAwait(false);
            var probes = await _probe.ConfirmAsync(backends, identities, cancellationToken).ConfigureAwait(false);
            await WaitDrainedAsync(drained, cancellationToken).ConfigureAwait(false);
            await SaveStateAsync(cancellationToken).ConfigureAwait(false);
            return new TrafficChange(Target, from, TrafficBackend.Describe(backends), probes, clock.Elapsed);
        }
        catch (Exception failure)
        {
            if (_applied != appliedBefore) await RestoreAsync(plan.Select(p => p.Server).ToList(), failure).ConfigureAwait(false);
            throw;
        }
    }

    private async Task RaiseAsync(HaproxyServer server, int weight, CancellationToken cancellationToken)
    {
        if (server.UserWeight != weight)
            await CommandAsync($"set server {_haproxy.Backend}/{server.Name} weight {weight}", cancellationToken).ConfigureAwait(false);
        if (server.InMaintenance || server.Draining)
            await CommandAsync($"set server {_haproxy.Backend}/{server.Name} state ready", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A raised server with a health check is up only once haproxy's check says so: wait for that.</summary>
    private async Task WaitUpAsync(IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        var down = new List<HaproxyServer>();
        var allUp = await Poll.UntilAsync(async ct =>
        {
            down = (await ServersAsync(ct).ConfigureAwait(false)).Where(s => names.Contains(s.Name) && !s.Running).ToList();
            return down.Count == 0 ? names : null;
        }, _settings.ConfirmTimeout, PollInterval, _clock, cancellationToken).ConfigureAwait(false);
        if (allUp is null)
            throw new DeployOpsException(ErrorIds.TrafficNotConfirmed, ErrorKind.OperationTimeout,
                $"haproxy's health check did not mark {string.Join(", ", down.Select(s => s.Describe()))} up within " +
                $"{Configuration.ValueParsers.FormatDuration(_settings.ConfirmTimeout)}; no server lost traffic", Target);
    }

    /// <summary>Waits until the drained servers hold no current session (<c>scur</c> in <c>show stat</c>), up to the drain timeout.</summary>
    private async Task WaitDrainedAsync(IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        if (names.Count == 0) return;
        var started = _clock.GetUtcNow();
        var busy = new List<(string Name, int Sessions)>();
        var drained = await Poll.UntilAsync(async ct =>
        {
            var stat = await _api.SendAsync("show stat", ct).ConfigureAwait(false);
            busy = names.Select(n => (Name: n, Sessions: HaproxyServer.CurrentSessions(stat, _haproxy.Backend, n) ?? 0))
                .Where(s => s.Sessions > 0).ToList();
            return busy.Count == 0 ? names : null;
        }, _haproxy.DrainTimeout, PollInterval, _clock, cancellationToken).ConfigureAwait(false);
        if (drained is not null)
            _log?.Invoke($"haproxy: {string.Join(", ", names)} drained (0 current sessions) after {(_clock.GetUtcNow() - started).TotalMilliseconds:0} ms");
        else
            // The switch itself is done and confirmed; a long-lived session (a download, a websocket) must not undo it.
            _log?.Invoke($"haproxy: drain timeout {Configuration.ValueParsers.FormatDuration(_haproxy.DrainTimeout)} reached; " +
                string.Join(", ", busy.Select(b => $"{b.Name} still had {b.Sessions} session(s)")));
    }

    /// <summary>Puts every server back as it was, raising before lowering; a failure here is TrafficRestoreFailed.</summary>
    private async Task RestoreAsync(IReadOnlyList<HaproxyServer> before, Exception failure)
    {
        // Restoring must finish even when the operator pressed Ctrl+C: haproxy must not keep an unconfirmed assignment.
        try
        {
            foreach (var s in before.Where(s => s.EffectiveWeight > 0))
            {
                await CommandAsync($"set server {_haproxy.Backend}/{s.Name} weight {s.UserWeight}", CancellationToken.None).ConfigureAwait(false);
                await CommandAsync($"set server {_haproxy.Backend}/{s.Name} state ready", CancellationToken.None).ConfigureAwait(false);
            }
            foreach (var s in before.Where(s => s.EffectiveWeight == 0))
            {
                await CommandAsync($"set server {_haproxy.Backend}/{s.Name} state {(s.InMaintenance ? "maint" : "drain")}", CancellationToken.None).ConfigureAwait(false);
                await CommandAsync($"set server {_haproxy.Backend}/{s.Name} weight {s.UserWeight}", CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (DeployOpsException ex)
        {
            throw new DeployOpsException(ErrorIds.TrafficRestoreFailed, ErrorKind.InvalidResult,
                _redactor.Redact($"traffic change failed ({failure.Message}) and restoring {Target} failed too: {ex.Message}"), Target, ex);
        }
        try { await SaveStateAsync(CancellationToken.None).ConfigureAwait(false); }
        catch (DeployOpsException ex) { _log?.Invoke($"haproxy state restored but not saved: {ex.Message}"); }
        _log?.Invoke(_redactor.Redact($"restored {Target} ({string.Join("; ", before.Select(s => s.Describe()))}) after: {failure.Message}"));
    }

    /// <summary>Writes <c>show servers state</c> (all backends: the format haproxy loads) to the state file.</summary>
    private async Task SaveStateAsync(CancellationToken cancellationToken)
    {
        if (_haproxy.StateFile.Length == 0) return;
        var state = await _api.SendAsync("show servers state", cancellationToken).ConfigureAwait(false);
        if (!state.StartsWith("1\n", StringComparison.Ordinal))
            throw new DeployOpsException(ErrorIds.TrafficReloadFailed, ErrorKind.InvalidResult,
                $"haproxy answered 'show servers state' with '{HaproxyServer.First(state)}'; {_haproxy.StateFile} was not written", Target);
        // haproxy reads it at start-up, possibly as its own user: the umask decides who may read it.
        try { Files.AtomicFile.Write(_haproxy.StateFile, state, Files.FileReaders.Umask); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DeployOpsException(ErrorIds.TrafficConfigInvalid, ErrorKind.ResourceUnavailable,
                $"the haproxy server-state file {_haproxy.StateFile} (traffic.haproxy.stateFile) cannot be written: {ex.Message}", _haproxy.StateFile, ex);
        }
    }

    private async Task<IReadOnlyList<HaproxyServer>> ServersAsync(CancellationToken cancellationToken)
    {
        var answer = await _api.SendAsync($"show servers state {_haproxy.Backend}", cancellationToken).ConfigureAwait(false);
        try
        {
            return HaproxyServer.ParseState(answer, _haproxy.Backend) ?? throw new DeployOpsException(ErrorIds.TrafficConfigInvalid,
                ErrorKind.ObjectNotFound, $"haproxy has no backend '{_haproxy.Backend}' (traffic.haproxy.backend); check haproxy.cfg", Target);
        }
        catch (FormatException ex)
        {
            throw new DeployOpsException(ErrorIds.TrafficConfigInvalid, ErrorKind.InvalidResult, $"{Target}: {ex.Message}", Target, ex);
        }
    }

    /// <summary>The haproxy server for a slot or instance; it must exist and point at the slot's own address.</summary>
    private HaproxyServer Match(TrafficBackend backend, IReadOnlyList<HaproxyServer> servers)
    {
        var name = _haproxy.ServerFor(backend.Name);
        var server = servers.FirstOrDefault(s => s.Name == name) ?? throw new DeployOpsException(ErrorIds.TrafficConfigInvalid,
            ErrorKind.ObjectNotFound, $"haproxy backend '{_haproxy.Backend}' has no server '{name}' for {backend.Name} (servers: " +
            $"{string.Join(", ", servers.Select(s => s.Name))}); add it to haproxy.cfg or map it under traffic.haproxy.servers", Target);
        if (server.Port != backend.Port || !SameHost(server.Address, backend.Host))
            throw new DeployOpsException(ErrorIds.TrafficConfigInvalid, ErrorKind.InvalidArgument,
                $"haproxy server {_haproxy.Backend}/{name} points at {server.Address}:{server.Port}, but {backend.Name} is {backend.Address} " +
                "in deployops.yaml; traffic was not moved (fix haproxy.cfg or the slot)", Target);
        return server;
    }

    private static bool SameHost(string haproxyAddress, string host)
    {
        if (string.Equals(haproxyAddress, host.Trim('[', ']'), StringComparison.OrdinalIgnoreCase)) return true;
        if (!IPAddress.TryParse(haproxyAddress, out var address)) return false;
        try { return Dns.GetHostAddresses(host).Contains(address); }
        catch (System.Net.Sockets.SocketException) { return false; }
    }

    private async Task CommandAsync(string command, CancellationToken cancellationToken)
    {
        var answer = (await _api.SendAsync(command, cancellationToken).ConfigureAwait(false)).Trim();
        _log?.Invoke($"haproxy$ {command}" + (answer.Length == 0 ? "" : $" -> {answer}"));
        if (answer.Length == 0)
        {
            _applied++;
            return;
        }
        var unknown = answer.StartsWith("No such", StringComparison.Ordinal);
        throw new DeployOpsException(unknown ? ErrorIds.TrafficConfigInvalid : ErrorIds.TrafficReloadFailed, ErrorKind.InvalidResult,
            $"haproxy refused '{command}': {HaproxyServer.First(answer)}", Target);
    }

    private void Validate(IReadOnlyList<TrafficBackend> backends)
    {
        if (backends.Count == 0 || backends.All(b => b.Weight <= 0))
            throw new DeployOpsException(ErrorIds.TrafficConfigInvalid, ErrorKind.InvalidArgument,
                "refusing an assignment where no backend takes traffic", Target);
        foreach (var b in backends)
        {
            var server = _haproxy.ServerFor(b.Name);
            var problem = b.Weight is < 0 or > MaxWeight ? $"weight {b.Weight} is outside 0-{MaxWeight}"
                : !HaproxyNames.IsValid(server) ? $"server name '{Security.Identifiers.Printable(server)}': {HaproxyNames.Rule}"
                : null;
            if (problem is not null)
                throw new DeployOpsException(ErrorIds.TrafficConfigInvalid, ErrorKind.InvalidArgument,
                    $"refusing to send backend {Security.Identifiers.Printable(b.Name)} to {Target}: {problem}", Target);
        }
    }

    private static string Describe(string name, HaproxyServer server) =>
        $"{name} {server.Address}:{server.Port} " + (server.EffectiveWeight == 0 ? "down" : $"weight={server.UserWeight}");
}
