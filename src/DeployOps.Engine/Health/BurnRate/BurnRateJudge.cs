using System.Globalization;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Health.Decision;

namespace DeployOps.Engine.Health.BurnRate;

/// <summary>What a burn-rate rule saw in one sample.</summary>
internal sealed record BurnRateResult(BurnRateRule Rule, bool Fires, double Value, double Factor, string? Unreadable, string Explanation);

/// <summary>
/// Keeps the watch's request and error counts (from each sample's <c>requests</c> and <c>errorRate</c>) and judges
/// the burn-rate rules over trailing windows of the samples' elapsed times — pure, so -Replay decides the same.
/// Until the watch has lasted a long window, that window holds what there is.
/// </summary>
internal sealed class BurnRateJudge
{
    private readonly HealthPolicy _policy;
    private readonly List<(TimeSpan Elapsed, double Requests, double Errors)> _history = new();

    public BurnRateJudge(HealthPolicy policy) => _policy = policy;

    public IReadOnlyList<BurnRateResult> Judge(HealthObservation o)
    {
        var rules = _policy.BurnRates.Where(r => r.Enabled).ToList();
        if (rules.Count == 0) return Array.Empty<BurnRateResult>();
        var requestsReadable = o.Signals.TryGetValue(HealthSignals.Requests, out var requests);
        var rateReadable = o.Signals.TryGetValue(HealthSignals.ErrorRate, out var rate);
        if (requestsReadable && (rateReadable || requests == 0)) _history.Add((o.Elapsed, requests, rateReadable ? requests * rate / 100 : 0));
        else if (!o.Unreadable.ContainsKey(HealthSignals.Requests) && !o.Unreadable.ContainsKey(HealthSignals.ErrorRate) && _history.Count == 0)
            return Array.Empty<BurnRateResult>(); // no source counts requests: the rule does not apply
        var longest = rules.SelectMany(r => r.Windows).Max(w => w.Long);
        _history.RemoveAll(h => h.Elapsed <= o.Elapsed - longest);
        return rules.Select(r => Judge(r, o.Elapsed)).ToList();
    }

    private BurnRateResult Judge(BurnRateRule rule, TimeSpan now)
    {
        var parts = new List<string>();
        BurnRateResult? firing = null;
        double worst = 0;
        foreach (var window in rule.Windows)
        {
            var (longRequests, longBurn) = Burn(rule, now, window.Long);
            var (shortRequests, shortBurn) = Burn(rule, now, window.Short);
            if (shortRequests < _policy.MinRequests)
                return new BurnRateResult(rule, false, 0, window.Factor,
                    $"too little traffic: {shortRequests:0} requests in the last {ValueParsers.FormatDuration(window.Short)}, at least {_policy.MinRequests} needed", "");
            var both = Math.Min(longBurn, shortBurn);
            worst = Math.Max(worst, both);
            var text = $"{Num(longBurn)}× over {ValueParsers.FormatDuration(window.Long)} ({longRequests:0} requests) and {Num(shortBurn)}× over " +
                       $"{ValueParsers.FormatDuration(window.Short)} ({shortRequests:0}), threshold {Num(window.Factor)}×";
            parts.Add(text);
            if (firing is null && longBurn >= window.Factor && shortBurn >= window.Factor)
                firing = new BurnRateResult(rule, true, both, window.Factor, null, "");
        }
        var explanation = $"{rule.Name}: error budget {Num(rule.Budget)}% (SLO {Num(rule.Objective)}%) burning {string.Join("; ", parts)}";
        return firing is not null ? firing with { Explanation = explanation } : new BurnRateResult(rule, false, worst, rule.Windows[0].Factor, null, explanation);
    }

    private (double Requests, double Burn) Burn(BurnRateRule rule, TimeSpan now, TimeSpan window)
    {
        double requests = 0, errors = 0;
        foreach (var h in _history)
        {
            if (h.Elapsed <= now - window) continue;
            requests += h.Requests;
            errors += h.Errors;
        }
        return (requests, requests > 0 ? 100 * errors / requests / rule.Budget : 0);
    }

    private static string Num(double v) => v.ToString(Math.Abs(v) >= 100 ? "0" : "0.###", CultureInfo.InvariantCulture);
}
