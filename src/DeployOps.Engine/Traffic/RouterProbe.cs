using DeployOps.Engine.Audit;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Timing;

namespace DeployOps.Engine.Traffic;

/// <summary>What one request to a backend (or through the router) got: its status and identity, or why nothing answered.</summary>
internal sealed record BackendAnswer(int? Status, string? Identity, string? Failure)
{
    /// <summary>Something answered HTTP, whatever the status.</summary>
    public bool Answered => Status is not null;

    /// <summary>The answer names who gave it (identity header on any status, or a 2xx body).</summary>
    public bool Recognised => Identity is not null;

    /// <summary>"answered 500 as '2.0.0'", "answered 502 without an identity" or "does not answer (why)".</summary>
    public override string ToString() =>
        Status is { } status
            ? $"answered {status}" + (Identity is null ? " without an identity" : $" as '{Identity}'")
            : $"does not answer ({Failure})";
}

/// <summary>
/// The one direct probe both routers use. It learns who each backend is (its identity header on any status, or a 2xx
/// body, at <see cref="TrafficSettings.ProbePath"/>), retrying a backend that should take traffic within
/// <see cref="TrafficSettings.ConfirmTimeout"/>: a backend that answers, whatever its status, is routed to — a canary
/// answering 500 "answers 500" and the health gate judges it — and only one that gives no recognisable answer within
/// the budget is TrafficTargetUnreachable, naming what it answered last and how often it was asked. Then it confirms a
/// change by probing through the router on fresh connections until only the intended backends answer.
/// </summary>
internal sealed class RouterProbe
{
    /// <summary>Pause between attempts: a backend that is still binding its port gets a few tries per second.</summary>
    public static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan ConfirmPause = TimeSpan.FromMilliseconds(20);
    // A fresh connection per request: it reaches the newest router workers, never a connection of an old one.
    private static readonly HttpClient SharedHttp = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero })
    {
        Timeout = TimeSpan.FromSeconds(5),
    };

    private readonly TrafficSettings _settings;
    private readonly Redactor _redactor;
    private readonly string _target;
    private readonly Action<string>? _log;
    private readonly TimeProvider _clock;
    private readonly HttpClient _http;

    public RouterProbe(TrafficSettings settings, Redactor redactor, string target, Action<string>? log = null, TimeProvider? clock = null,
        HttpClient? http = null)
    {
        _settings = settings;
        _redactor = redactor;
        _target = target;
        _log = log;
        _clock = clock ?? TimeProvider.System;
        _http = http ?? SharedHttp;
    }

    /// <summary>One request on a fresh connection.</summary>
    public async Task<BackendAnswer> OnceAsync(string url, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.ConnectionClose = true;
        try
        {
            using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            // The body is an identity only on success: an error page says nothing about who sent it.
            var identity = response.Headers.TryGetValues(_settings.IdentityHeader, out var values) ? string.Join(",", values)
                : response.IsSuccessStatusCode ? (await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)).Trim()
                : null;
            return new BackendAnswer((int)response.StatusCode, string.IsNullOrEmpty(identity) ? null : identity, null);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new BackendAnswer(null, null, ex is TaskCanceledException ? $"no answer within {_http.Timeout.TotalSeconds:0} s" : ex.Message);
        }
    }

    /// <summary>Retries until the answer is recognised or <paramref name="budget"/> is spent; the last answer and the attempts made.</summary>
    public async Task<(BackendAnswer Answer, int Attempts)> WithinAsync(string url, TimeSpan budget, CancellationToken cancellationToken)
    {
        var attempts = 0;
        BackendAnswer? last = null;
        await Poll.UntilAsync(async ct =>
        {
            attempts++;
            last = await OnceAsync(url, ct).ConfigureAwait(false);
            return last.Recognised ? last : null;
        }, budget, RetryInterval, _clock, cancellationToken).ConfigureAwait(false);
        return (last!, attempts);
    }

    /// <summary>
    /// The identity each backend answers with directly. A backend that should take traffic must answer recognisably
    /// within the confirm timeout (else TrafficTargetUnreachable, nothing was moved); one out of rotation is asked once.
    /// </summary>
    public async Task<Dictionary<string, string?>> IdentitiesAsync(IReadOnlyList<TrafficBackend> backends, CancellationToken cancellationToken)
    {
        var identities = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var b in backends)
        {
            var url = b.BaseUrl + _settings.ProbePath;
            if (b.Weight <= 0)
            {
                identities[b.Name] = (await OnceAsync(url, cancellationToken).ConfigureAwait(false)).Identity;
                continue;
            }
            var (answer, attempts) = await WithinAsync(url, _settings.ConfirmTimeout, cancellationToken).ConfigureAwait(false);
            if (!answer.Recognised)
                throw new DeployOpsException(ErrorIds.TrafficTargetUnreachable, ErrorKind.ConnectionError, _redactor.Redact(
                    $"{b.Name} ({url}) {answer}" + (answer.Answered ? $" (no {_settings.IdentityHeader} header to recognise it through the router)" : "") +
                    $" after {attempts} attempt(s) within {Configuration.ValueParsers.FormatDuration(_settings.ConfirmTimeout)}; traffic was not moved"), b.Name);
            if (answer.Status is not (>= 200 and < 300))
                _log?.Invoke(_redactor.Redact($"{b.Name} ({url}) {answer}: it gets its traffic and the health checks judge it"));
            identities[b.Name] = answer.Identity;
        }
        return identities;
    }

    /// <summary>
    /// Sends <paramref name="requests"/> requests to <paramref name="url"/> on fresh connections, then more (up to
    /// <paramref name="limit"/>) until <paramref name="enough"/> says the answers so far suffice. Counts who answered
    /// (by identity, on any status) and what failed: a non-2xx answer or no answer, the router's own error pages
    /// (no identity) apart from a backend's error answers.
    /// </summary>
    public async Task<RouterSample> SampleAsync(string url, int requests, int limit, Func<IReadOnlyDictionary<string, int>, bool> enough,
        CancellationToken cancellationToken)
    {
        var answers = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var failures = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var sent = 0;
        var unidentified = 0;
        while (sent < requests || (sent < limit && !enough(answers)))
        {
            sent++;
            var answer = await OnceAsync(url, cancellationToken).ConfigureAwait(false);
            if (answer.Identity is { } identity) answers[identity] = answers.GetValueOrDefault(identity) + 1;
            if (answer.Status is >= 200 and < 300) continue;
            var reason = answer.Status is { } status
                ? $"HTTP {status}" + (answer.Identity is { } who ? $" from '{who}'" : "")
                : "no answer";
            if (answer.Identity is null) unidentified++;
            failures[reason] = failures.GetValueOrDefault(reason) + 1;
        }
        return new RouterSample(_redactor.Redact(url), sent, failures.Values.Sum(), unidentified, failures, answers);
    }

    /// <summary>
    /// Probes <see cref="TrafficSettings.ProbeUrl"/> until every backend that should take traffic has answered (on any
    /// status: the identity says who) and, for at least <see cref="TrafficSettings.ConfirmProbes"/> probes in a row,
    /// nothing else answered. The number of probes, or TrafficNotConfirmed naming the last answer.
    /// </summary>
    public async Task<int> ConfirmAsync(IReadOnlyList<TrafficBackend> backends, IReadOnlyDictionary<string, string?> identities,
        CancellationToken cancellationToken)
    {
        var wanted = backends.Where(b => b.Weight > 0).Select(b => identities[b.Name]!).ToHashSet(StringComparer.Ordinal);
        var deadline = _clock.GetUtcNow() + _settings.ConfirmTimeout;
        var probes = 0;
        var streak = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var last = "no answer";
        while (_clock.GetUtcNow() < deadline)
        {
            cancellationToken.ThrowIfCancellationRequested();
            probes++;
            var answer = await OnceAsync(_settings.ProbeUrl, cancellationToken).ConfigureAwait(false);
            if (answer.Identity is { } identity && wanted.Contains(identity))
            {
                streak++;
                seen.Add(identity);
                if (streak >= _settings.ConfirmProbes && seen.Count == wanted.Count) return probes;
                continue;
            }
            last = answer.Identity is { } other ? $"answered by '{other}'" : answer.ToString();
            streak = 0;
            seen.Clear();
            await Task.Delay(ConfirmPause, _clock, cancellationToken).ConfigureAwait(false);
        }
        throw new DeployOpsException(ErrorIds.TrafficNotConfirmed, ErrorKind.OperationTimeout,
            _redactor.Redact($"{_settings.ProbeUrl} did not confirm [{string.Join(", ", wanted)}] within " +
                $"{Configuration.ValueParsers.FormatDuration(_settings.ConfirmTimeout)} ({probes} probes; last: {last})"), _target);
    }
}
