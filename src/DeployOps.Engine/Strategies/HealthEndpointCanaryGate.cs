using System.Globalization;
using System.Text.RegularExpressions;

namespace DeployOps.Engine.Strategies;

/// <summary>
/// The built-in canary gate: during the pause it polls the canary's health endpoint (any failure fails the gate)
/// and compares the canary's Prometheus <c>http_requests_total{status}</c> before and after: a 5xx share above
/// <c>canary.gate.maxErrorRate</c> fails, fewer requests than <c>canary.gate.minRequests</c> is inconclusive.
/// A canary slot on a set of hosts is judged on all its members: each one's health, their requests summed.
/// </summary>
internal sealed partial class HealthEndpointCanaryGate : ICanaryGate
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    [GeneratedRegex(@"^http_requests_total\{[^}]*status=""(\d{3})""[^}]*\}\s+([0-9.eE+]+)", RegexOptions.Multiline)]
    private static partial Regex RequestsLine();

    public async Task<CanaryGateResult> EvaluateAsync(CanaryGateContext context, CancellationToken cancellationToken)
    {
        var settings = context.Config.Deployment.Canary;
        var readiness = context.Config.Deployment.ReadinessPath;
        var places = context.Canary.Places;
        var before = await CountsAsync(places, cancellationToken).ConfigureAwait(false);
        var samples = 0;
        // The pause is real time: the canary serves real traffic meanwhile. A failing health sample ends it at once.
        var failed = await Timing.Poll.UntilAsync(async ct =>
        {
            samples++;
            foreach (var place in places)
            {
                var problem = await HealthProblemAsync(place.BaseUrl + readiness, ct).ConfigureAwait(false);
                if (problem is not null)
                    return new CanaryGateResult(CanaryVerdict.Fail, $"{place.Name} health check failed: {problem}");
            }
            return null;
        }, context.Pause, settings.SampleInterval, TimeProvider.System, cancellationToken).ConfigureAwait(false);
        if (failed is not null) return failed;
        var after = await CountsAsync(places, cancellationToken).ConfigureAwait(false);
        if (before is null || after is null)
            return settings.MinRequests > 0
                ? new CanaryGateResult(CanaryVerdict.Inconclusive, $"{context.Canary.Name} has no readable /metrics{(places.Count > 1 ? " on every host" : "")}, so its error rate is unknown")
                : new CanaryGateResult(CanaryVerdict.Pass, $"{samples} health sample(s) passed");
        var total = after.Value.Total - before.Value.Total;
        var errors = after.Value.Errors - before.Value.Errors;
        var rate = total > 0 ? errors * 100.0 / total : 0;
        var summary = $"{errors:0} of {total:0} canary requests failed ({rate.ToString("0.#", CultureInfo.InvariantCulture)}%), {samples} health sample(s) passed";
        if (total > 0 && rate > settings.MaxErrorRatePercent)
            return new CanaryGateResult(CanaryVerdict.Fail, $"{summary}; the limit is {settings.MaxErrorRatePercent.ToString(CultureInfo.InvariantCulture)}%");
        if (total < settings.MinRequests)
            return new CanaryGateResult(CanaryVerdict.Inconclusive, $"{summary}; at least {settings.MinRequests} requests are needed to judge");
        return new CanaryGateResult(CanaryVerdict.Pass, summary);
    }

    private static async Task<string?> HealthProblemAsync(string url, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await Http.GetAsync(url, cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode ? null : $"{url} answered {(int)response.StatusCode}";
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return $"{url}: {ex.Message}";
        }
    }

    /// <summary>The members' counts summed; null when any member's /metrics cannot be read.</summary>
    private static async Task<(double Total, double Errors)?> CountsAsync(IReadOnlyList<DeploymentTarget> places, CancellationToken cancellationToken)
    {
        double total = 0, errors = 0;
        foreach (var place in places)
        {
            if (await CountsAsync(place, cancellationToken).ConfigureAwait(false) is not { } counts) return null;
            total += counts.Total;
            errors += counts.Errors;
        }
        return (total, errors);
    }

    private static async Task<(double Total, double Errors)?> CountsAsync(DeploymentTarget target, CancellationToken cancellationToken)
    {
        try
        {
            var text = await Http.GetStringAsync(target.BaseUrl + "/metrics", cancellationToken).ConfigureAwait(false);
            double total = 0, errors = 0;
            var any = false;
            foreach (Match m in RequestsLine().Matches(text))
            {
                any = true;
                var value = double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
                total += value;
                if (m.Groups[1].Value[0] == '5') errors += value;
            }
            return any || text.Contains("http_requests_total", StringComparison.Ordinal) ? (total, errors) : (0, 0);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }
}
