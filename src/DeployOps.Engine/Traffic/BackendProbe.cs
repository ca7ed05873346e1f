using DeployOps.Engine.Timing;

namespace DeployOps.Engine.Traffic;

/// <summary>What one request to a backend (or through the router) got: its status and identity, or why nothing answered.</summary>
internal sealed record BackendAnswer(int? Status, string? Identity, string? Failure)
{
    /// <summary>Something answered HTTP, whatever the status.</summary>
    public bool Answered => Status is not null;

    /// <summary>The answer names who gave it (identity header on any status, or a 2xx body).</summary>
    public bool Recognised => Identity is not null;

    public override string ToString() =>
        Status is { } status
            ? $"answered {status}" + (Identity is null ? " without an identity" : $" as '{Identity}'")
            : $"does not answer ({Failure})";
}

/// <summary>
/// Requests a router's probe path on fresh connections. A backend that answers, whatever its status, is recognised
/// by its identity header: a canary answering 500 is still routed to and the health gate judges it. Only a backend
/// that gives no recognisable answer within the budget is reported, with what it answered last.
/// </summary>
internal sealed class BackendProbe
{
    /// <summary>Pause between attempts: a backend that is still binding its port gets a few tries per second.</summary>
    public static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(200);

    private readonly HttpClient _http;
    private readonly string _identityHeader;
    private readonly TimeProvider _clock;

    public BackendProbe(HttpClient http, string identityHeader, TimeProvider? clock = null)
    {
        _http = http;
        _identityHeader = identityHeader;
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>One request on a fresh connection (it reaches the newest nginx workers).</summary>
    public async Task<BackendAnswer> OnceAsync(string url, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.ConnectionClose = true;
        try
        {
            using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            // The body is an identity only on success: an error page says nothing about who sent it.
            var identity = response.Headers.TryGetValues(_identityHeader, out var values) ? string.Join(",", values)
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
}
