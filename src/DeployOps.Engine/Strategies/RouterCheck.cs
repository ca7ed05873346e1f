using System.Globalization;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Strategies;

/// <summary>
/// What users see after a change: a short series of requests through the router (<c>traffic.probeUrl</c>) on fresh
/// connections, counting those that failed (non-2xx or no answer). Checks against a backend's own address cannot see
/// the router's failures — a backend nginx marked failed after one refused connect, a reload that broke the upstream —
/// so every strategy runs this after it changed something.
/// </summary>
internal static class RouterCheck
{
    /// <summary>Spacing between requests: 20 requests span about a second, longer than a reload takes to settle.</summary>
    private static readonly TimeSpan Spacing = TimeSpan.FromMilliseconds(50);
    private static readonly HttpClient Http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero })
    {
        Timeout = TimeSpan.FromSeconds(5),
    };

    /// <summary>The series' outcome: failed requests by reason, and how many answered 2xx in a row at the end.</summary>
    public sealed record Result(string Url, int Requests, int Failed, IReadOnlyDictionary<string, int> Failures, int TrailingSuccesses)
    {
        public string Summary => $"router check: {Failed} of {Requests} request(s) through {Url} failed" +
            (Failed == 0 ? "" : $" ({string.Join(", ", Failures.Select(f => $"{f.Key} x{f.Value}"))})");
    }

    public static async Task<Result> RunAsync(string url, int requests, CancellationToken ct)
    {
        var failures = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var failed = 0;
        var trailing = 0;
        for (var i = 0; i < requests; i++)
        {
            if (i > 0) await Task.Delay(Spacing, ct).ConfigureAwait(false);
            var problem = await SendAsync(url, ct).ConfigureAwait(false);
            if (problem is null)
            {
                trailing++;
                continue;
            }
            failed++;
            trailing = 0;
            failures[problem] = failures.GetValueOrDefault(problem) + 1;
        }
        return new Result(url, requests, failed, failures, trailing);
    }

    /// <summary>
    /// Runs the series after <paramref name="phase"/> changed something and reports it (log, verbose, a warning for any
    /// failed request). Throws DeploymentVerificationFailed when the router does not serve at the end of the series
    /// (its last <c>confirmProbes</c> requests did not all answer 2xx). Null when there is no router or the check is off.
    /// </summary>
    public static async Task<string?> VerifyAsync(DeploymentRun run, string phase, CancellationToken ct)
    {
        var traffic = run.Settings.Traffic;
        if (run.Router is null || traffic.VerifyRequests == 0) return null;
        var result = await RunAsync(traffic.ProbeUrl, traffic.VerifyRequests, ct).ConfigureAwait(false);
        var summary = run.Config.Redactor.Redact(result.Summary);
        run.Log.Write($"{phase}: {summary}");
        run.Sink.WriteVerbose($"[{phase}] {summary}");
        if (result.TrailingSuccesses < Math.Min(traffic.ConfirmProbes, result.Requests))
            throw new DeployOpsException(ErrorIds.DeploymentVerificationFailed, ErrorKind.InvalidResult,
                $"{summary}: the router does not serve {run.Version} after {phase}", run.Router.Target);
        if (result.Failed > 0) run.Sink.WriteWarning($"[{phase}] {summary}");
        return summary;
    }

    /// <summary>Null when the request answered 2xx, else what went wrong ("HTTP 502", "no answer").</summary>
    private static async Task<string?> SendAsync(string url, CancellationToken ct)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.ConnectionClose = true; // a new connection reaches the newest router workers
            using var response = await Http.SendAsync(request, ct).ConfigureAwait(false);
            return response.IsSuccessStatusCode ? null : "HTTP " + ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return ex is TaskCanceledException ? "timed out" : "no answer";
        }
    }
}
