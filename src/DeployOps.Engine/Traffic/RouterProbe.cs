using DeployOps.Engine.Audit;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Traffic;

/// <summary>
/// Learns who a backend is (its identity header or body at <see cref="TrafficSettings.ProbePath"/>) and confirms a
/// routing change by probing through the router on fresh connections until only the intended backends answer.
/// Router-neutral: the haproxy router uses all of it, the nginx router its confirmation rule.
/// </summary>
internal sealed class RouterProbe
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero })
    {
        Timeout = TimeSpan.FromSeconds(5),
    };

    private readonly TrafficSettings _settings;
    private readonly Redactor _redactor;
    private readonly string _target;

    public RouterProbe(TrafficSettings settings, Redactor redactor, string target)
    {
        _settings = settings;
        _redactor = redactor;
        _target = target;
    }

    /// <summary>The identity each backend answers with directly; a backend that should take traffic must answer.</summary>
    public async Task<Dictionary<string, string?>> IdentitiesAsync(IReadOnlyList<TrafficBackend> backends, bool requireWeighted,
        CancellationToken cancellationToken)
    {
        var identities = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var b in backends)
        {
            var identity = await IdentityAsync(b, cancellationToken).ConfigureAwait(false);
            if (identity is null && b.Weight > 0 && requireWeighted)
                throw new DeployOpsException(ErrorIds.TrafficTargetUnreachable, ErrorKind.ConnectionError,
                    _redactor.Redact($"{b.Name} ({b.BaseUrl}{_settings.ProbePath}) does not answer; traffic was not moved"), b.Name);
            identities[b.Name] = identity;
        }
        return identities;
    }

    private async Task<string?> IdentityAsync(TrafficBackend backend, CancellationToken cancellationToken)
    {
        try
        {
            return await ProbeAsync(backend.BaseUrl + _settings.ProbePath, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>One request on a fresh connection; the identity it answered with, or null for a non-2xx answer.</summary>
    private async Task<string?> ProbeAsync(string url, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.ConnectionClose = true;
        using var response = await Http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) return null;
        if (response.Headers.TryGetValues(_settings.IdentityHeader, out var values)) return string.Join(",", values);
        return (await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)).Trim();
    }

    /// <summary>
    /// Probes <see cref="TrafficSettings.ProbeUrl"/> until every backend that should take traffic has answered and, for
    /// at least <see cref="TrafficSettings.ConfirmProbes"/> probes in a row, nothing else answered.
    /// </summary>
    public Task<int> ConfirmAsync(IReadOnlyList<TrafficBackend> backends, IReadOnlyDictionary<string, string?> identities,
        CancellationToken cancellationToken) =>
        ConfirmAsync(_settings, _redactor, _target, backends, identities, async ct =>
        {
            try { return (await ProbeAsync(_settings.ProbeUrl, ct).ConfigureAwait(false), null); }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                return (null, ex.Message);
            }
        }, cancellationToken);

    /// <summary>
    /// The confirmation rule every router shares; <paramref name="probeOnce"/> is one request through the router on a
    /// fresh connection: the identity that answered, or null and why not (null: keep the last reason).
    /// </summary>
    internal static async Task<int> ConfirmAsync(TrafficSettings settings, Redactor redactor, string target,
        IReadOnlyList<TrafficBackend> backends, IReadOnlyDictionary<string, string?> identities,
        Func<CancellationToken, Task<(string? Identity, string? Failure)>> probeOnce, CancellationToken cancellationToken)
    {
        var wanted = backends.Where(b => b.Weight > 0).Select(b => identities[b.Name]!).ToHashSet(StringComparer.Ordinal);
        var deadline = DateTime.UtcNow + settings.ConfirmTimeout;
        var probes = 0;
        var streak = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var last = "no answer";
        while (DateTime.UtcNow < deadline)
        {
            cancellationToken.ThrowIfCancellationRequested();
            probes++;
            var (identity, failure) = await probeOnce(cancellationToken).ConfigureAwait(false);
            if (failure is not null) last = failure;
            if (identity is not null && wanted.Contains(identity))
            {
                streak++;
                seen.Add(identity);
                if (streak >= settings.ConfirmProbes && seen.Count == wanted.Count) return probes;
            }
            else
            {
                if (identity is not null) last = $"answered by '{identity}'";
                streak = 0;
                seen.Clear();
                await Task.Delay(20, cancellationToken).ConfigureAwait(false);
            }
        }
        throw new DeployOpsException(ErrorIds.TrafficNotConfirmed, ErrorKind.OperationTimeout,
            redactor.Redact($"{settings.ProbeUrl} did not confirm [{string.Join(", ", wanted)}] within " +
                $"{Configuration.ValueParsers.FormatDuration(settings.ConfirmTimeout)} ({probes} probes; last: {last})"), target);
    }
}
