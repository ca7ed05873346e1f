using System.Globalization;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Health.Decision;

namespace DeployOps.Engine.Health.Comparison;

/// <summary>
/// The comparative judge: every sample, each comparison rule sums both versions' counts over the same sliding
/// window and answers Pass, Fail or Inconclusive with its evidence. Pure over the observations (their elapsed
/// times are the clock), so -Replay reaches the same verdicts.
/// <list type="bullet">
/// <item>Missing counts in the last interval, a version's traffic dropping, or fewer requests than the minimum in
/// the window: Inconclusive, never Pass or Fail.</item>
/// <item>Error rate: Fail when the canary is worse by more than both allowances AND the one-sided test is
/// significant; Pass when the upper confidence bound of the difference stays below the absolute allowance, or
/// the canary's upper bound below the baseline's lower bound times the ratio; otherwise (a large difference on
/// few requests) Inconclusive.</item>
/// <item>Latency: quantiles of each version's summed histogram; Fail when the canary's is higher by more than
/// both allowances.</item>
/// </list>
/// </summary>
internal sealed class BaselineJudge
{
    private readonly HealthPolicy _policy;
    private readonly List<(TimeSpan Elapsed, VersionCounts Canary, VersionCounts Baseline)> _history = new();

    public BaselineJudge(HealthPolicy policy) => _policy = policy;

    public IReadOnlyList<BaselineComparison> Judge(HealthObservation observation)
    {
        var rules = _policy.Comparisons.Where(r => r.Enabled).ToList();
        if (rules.Count == 0) return Array.Empty<BaselineComparison>();
        var canary = VersionCounts.Read(observation, ComparisonRule.CanaryVersion);
        var baseline = VersionCounts.Read(observation, ComparisonRule.BaselineVersion);
        // No source gives per-version counts (a plain watch): the rules do not apply, like a rule on an absent signal.
        if (canary.Absent && baseline.Absent && _history.Count == 0) return Array.Empty<BaselineComparison>();
        _history.Add((observation.Elapsed, canary, baseline));
        var longest = rules.Max(r => r.Window);
        _history.RemoveAll(h => h.Elapsed <= observation.Elapsed - longest - longest);
        return rules.Select(r => Judge(r, observation.Elapsed)).ToList();
    }

    private BaselineComparison Judge(ComparisonRule rule, TimeSpan now)
    {
        var window = _history.Where(h => h.Elapsed > now - rule.Window).ToList();
        var canary = new WindowTotals();
        var baseline = new WindowTotals();
        foreach (var h in window)
        {
            canary.Add(h.Canary);
            baseline.Add(h.Baseline);
        }
        var context = new Context(rule, window[0].Elapsed, now, canary.Figures(ComparisonRule.CanaryVersion),
            baseline.Figures(ComparisonRule.BaselineVersion));

        var last = window[^1];
        foreach (var counts in new[] { last.Canary, last.Baseline })
            if (counts.Missing is { } why)
                return context.Inconclusive($"no {counts.Version} value in the last interval ({why}): not evidence either way");
        var drop = TrafficDrop(rule, window, h => h.Canary) ?? TrafficDrop(rule, window, h => h.Baseline);
        if (drop is not null) return context.Inconclusive(drop);

        var minimum = rule.MinimumFor(_policy);
        var count = rule.IsErrorRate ? (Func<WindowTotals, double>)(t => t.Requests) : t => t.LatencyCount;
        if (count(canary) < minimum || count(baseline) < minimum)
            return context.Inconclusive($"too little evidence: {count(canary):0} canary and {count(baseline):0} baseline " +
                $"{(rule.IsErrorRate ? "requests" : "latency observations")} in the window, at least {minimum} each needed");
        return rule.IsErrorRate ? CompareErrors(context, canary, baseline) : CompareLatency(context, canary, baseline);
    }

    private static string? TrafficDrop(ComparisonRule rule, List<(TimeSpan Elapsed, VersionCounts Canary, VersionCounts Baseline)> window,
        Func<(TimeSpan, VersionCounts Canary, VersionCounts Baseline), VersionCounts> of)
    {
        var earlier = window.Take(window.Count - 1).Select(of).Where(c => c.Missing is null).ToList();
        if (earlier.Count < 2) return null;
        var mean = earlier.Average(c => c.Requests);
        var last = of(window[^1]);
        if (mean <= 0 || last.Requests >= rule.TrafficDropRatio * mean) return null;
        return $"traffic to the {last.Version} dropped: {last.Requests:0} requests in the last interval against a mean of {mean:0} " +
               $"in the {earlier.Count} before it (below {rule.TrafficDropRatio:P0}); the analysis waits for traffic";
    }

    private BaselineComparison CompareErrors(Context c, WindowTotals canary, WindowTotals baseline)
    {
        var rule = c.Rule;
        long nC = (long)Math.Round(canary.Requests), eC = (long)Math.Round(canary.Errors);
        long nB = (long)Math.Round(baseline.Requests), eB = (long)Math.Round(baseline.Errors);
        double pC = 100.0 * eC / nC, pB = 100.0 * eB / nB, diff = pC - pB;
        var ratio = pB > 0 ? pC / pB : pC > 0 ? double.PositiveInfinity : 1;
        var (test, pValue) = rule.Test == ProportionTest.Exact
            ? ("Fisher exact test, one-sided", Statistics.FisherGreaterPValue(eC, nC, eB, nB))
            : ("two-proportion z-test (pooled), one-sided", Statistics.TwoProportionZ(eC, nC, eB, nB).PValue);
        var z = Statistics.NormalQuantile(rule.Confidence);
        var (lower, upper) = Statistics.NewcombeDifference(eC, nC, eB, nB, z);
        lower *= 100;
        upper *= 100;
        var failAbove = Math.Max(pB + rule.AllowedIncrease, pB * rule.AllowedRatio);
        var worseEnough = diff >= rule.AllowedIncrease - 1e-9 && ratio >= rule.AllowedRatio - 1e-9;
        var significant = pValue < 1 - rule.Confidence;
        var canaryUpper = 100 * Statistics.Wilson(eC, nC, z).Upper;
        var baselineLower = 100 * Statistics.Wilson(eB, nB, z).Lower;

        var evidence = $"{c.Canary} vs {c.Baseline} over {c.WindowText}: {Signed(diff)} pp ({Ratio(ratio)}), {test} p={P(pValue)}, " +
                       $"{rule.Confidence:P0} interval of the difference [{Num(lower)}, {Num(upper)}] pp; fails above {Num(failAbove)}% " +
                       $"(+{Num(rule.AllowedIncrease)} pp and {Num(rule.AllowedRatio)}×)";
        ComparisonOutcome outcome;
        string why;
        if (worseEnough && significant) { outcome = ComparisonOutcome.Fail; why = "the canary's error rate is significantly higher, beyond both allowances"; }
        else if (upper < rule.AllowedIncrease) { outcome = ComparisonOutcome.Pass; why = significant ? "certainly higher but within the allowance" : "not worse beyond the allowance"; }
        else if (canaryUpper < rule.AllowedRatio * baselineLower) { outcome = ComparisonOutcome.Pass; why = $"canary at most {Num(canaryUpper)}%, below {Num(rule.AllowedRatio)}× the baseline's lower bound {Num(baselineLower)}%"; }
        else { outcome = ComparisonOutcome.Inconclusive; why = worseEnough ? "a large difference not yet significant on these requests" : "the interval still reaches the allowance: more requests needed"; }
        return c.Build(outcome, test, pValue, lower, upper, rule.Confidence, pC, failAbove, $"{why}: {evidence}");
    }

    private static BaselineComparison CompareLatency(Context c, WindowTotals canary, WindowTotals baseline)
    {
        var rule = c.Rule;
        var q = rule.Quantile;
        var z = Statistics.NormalQuantile(rule.Confidence);
        var canaryQ = Pick(c.Canary, rule.Signal);
        var baselineQ = Pick(c.Baseline, rule.Signal);
        var canaryInterval = canary.QuantileIntervalMs(q, z);
        var baselineInterval = baseline.QuantileIntervalMs(q, z);
        const string test = "order-statistic interval of each version's histogram_quantile";
        if (canaryQ is not { } cq || baselineQ is not { } bq || canaryInterval is not { } ci || baselineInterval is not { } bi)
            return c.Inconclusive($"no {rule.Signal} for the {(canaryQ is null ? "canary" : "baseline")}: its histogram has no usable buckets");
        var failAbove = Math.Max(bq + rule.AllowedIncrease, bq * rule.AllowedRatio);
        var ratio = bq > 0 ? cq / bq : cq > 0 ? double.PositiveInfinity : 1;
        // Canary minus baseline, from the two intervals: the least and the most the canary can be slower by.
        double lower = ci.Lower - bi.Upper, upper = ci.Upper - bi.Lower;
        var evidence = $"{c.Canary} vs {c.Baseline} over {c.WindowText}: {rule.Signal} {Num(cq)} [{Num(ci.Lower)}, {Num(ci.Upper)}] vs " +
                       $"{Num(bq)} [{Num(bi.Lower)}, {Num(bi.Upper)}] ms, {Signed(cq - bq)} ms ({Ratio(ratio)}), {test} at {rule.Confidence:P0}; " +
                       $"fails above {Num(failAbove)} ms (+{Num(rule.AllowedIncrease)} ms and {Num(rule.AllowedRatio)}×)";
        ComparisonOutcome outcome;
        string why;
        if (lower > rule.AllowedIncrease && ci.Lower > bi.Upper * rule.AllowedRatio) { outcome = ComparisonOutcome.Fail; why = "the canary is slower beyond both allowances"; }
        else if (upper <= rule.AllowedIncrease || ci.Upper <= bi.Lower * rule.AllowedRatio) { outcome = ComparisonOutcome.Pass; why = "not slower beyond the allowances"; }
        else { outcome = ComparisonOutcome.Inconclusive; why = "the quantiles' intervals still reach the allowance: more observations needed"; }
        return c.Build(outcome, test, null, lower, upper, rule.Confidence, cq, failAbove, $"{why}: {evidence}");
    }

    private static double? Pick(VersionFigures f, string signal) => signal switch
    {
        "p50" => f.P50,
        HealthSignals.P95 => f.P95,
        _ => f.P99,
    };

    private static string Num(double v) => double.IsInfinity(v) ? "∞" : v.ToString(Math.Abs(v) >= 100 ? "0" : "0.###", CultureInfo.InvariantCulture);
    private static string Signed(double v) => (v >= 0 ? "+" : "") + Num(v);
    private static string Ratio(double r) => double.IsPositiveInfinity(r) ? "against none" : r.ToString("0.##", CultureInfo.InvariantCulture) + "×";
    private static string P(double p) => p < 0.0001 ? p.ToString("0.##e0", CultureInfo.InvariantCulture) : p.ToString("0.####", CultureInfo.InvariantCulture);

    private sealed record Context(ComparisonRule Rule, TimeSpan From, TimeSpan To, VersionFigures Canary, VersionFigures Baseline)
    {
        public string WindowText => $"{ValueParsers.FormatDuration(Rule.Window)} (samples T+{ValueParsers.FormatDuration(From)}..T+{ValueParsers.FormatDuration(To)})";

        public BaselineComparison Inconclusive(string why) =>
            Build(ComparisonOutcome.Inconclusive, "none: evidence missing", null, null, null, null,
                null, null, $"{why}; {Canary} vs {Baseline} over {WindowText}");

        public BaselineComparison Build(ComparisonOutcome outcome, string test, double? pValue, double? lower, double? upper, double? confidence,
            double? canaryValue, double? failAbove, string explanation) =>
            new(Rule.Name, Rule.Signal, outcome, Rule.Severity, Rule.Window, From, To, Canary, Baseline, test, pValue, lower, upper, confidence,
                Rule.AllowedIncrease, Rule.AllowedRatio, canaryValue, failAbove, explanation);
    }
}
