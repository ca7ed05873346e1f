#!/usr/bin/env python3
"""Writes the labelled judge scenarios: one health-samples.jsonl recording per scenario (the format -Replay reads)
and scenarios.json (expected verdict, what it reproduces). Deterministic: every scenario has its own seed.

Counts are drawn per 1-minute interval: requests vary around the scenario's rate, errors are binomial draws,
latencies are lognormal (median, sigma) plus a fixed delay, binned into cumulative histogram buckets. The
per-sample "verdict" field is a placeholder (these are inputs, not recordings of a watch): a replay lists where it
differs, and the labels are only in scenarios.json, checked by `dotnet test --filter JudgeScenario`.
"""
import json, math, random, datetime, os

BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2, 3, 5, float("inf")]
T0 = datetime.datetime(2026, 11, 2, 9, 0, 0, tzinfo=datetime.timezone.utc)

def phi(x): return 0.5 * math.erfc(-x / math.sqrt(2))

def cdf(le, median, sigma, delay, tail=(0.0, 0.0)):
    """Lognormal latency plus a fixed delay; tail = (share, extra delay) slows only that share of the requests."""
    if math.isinf(le): return 1.0
    def one(x): return 0.0 if x <= 0 else phi((math.log(x) - math.log(median)) / sigma)
    share, extra = tail
    return (1 - share) * one(le - delay) + share * one(le - delay - extra)

def binomial(rng, n, p):
    if n <= 0 or p <= 0: return 0
    if n * p * (1 - p) > 25:
        return max(0, min(n, round(rng.gauss(n * p, math.sqrt(n * p * (1 - p))))))
    return sum(1 for _ in range(n) if rng.random() < p)

def version(rng, requests, error_rate, median, sigma=0.5, delay=0.0, tail=(0.0, 0.0), errors=None):
    """One interval of one version: requests ± 10 %, binomial errors (or exactly `errors`), multinomial bucket counts."""
    n = max(0, round(requests * rng.uniform(0.9, 1.1))) if requests > 0 else 0
    errors = binomial(rng, n, error_rate / 100) if errors is None else min(n, errors)
    probs = [cdf(le, median, sigma, delay, tail) for le in BUCKETS]
    counts, left, prev = [], n, 0.0
    for p in probs:  # sequential binomials = a multinomial draw over the bucket intervals
        share = (p - prev) / (1 - prev) if prev < 1 else 0
        k = binomial(rng, left, min(1, max(0, share)))
        counts.append(k); left -= k; prev = p
    cumulative, total = [], 0
    for k in counts:
        total += k; cumulative.append(total)
    return n, errors, cumulative

def le_text(le): return "+Inf" if math.isinf(le) else repr(le)

def sample(seq, minute, canary, baseline, missing=None):
    signals, unreadable = {}, {}
    for name, v in (("canary", canary), ("baseline", baseline)):
        if missing and name in missing:
            for key in ("requests", "errors"):
                unreadable[f"{name}.{key}"] = missing[name]
            continue
        n, e, cum = v
        signals[f"{name}.requests"] = n
        signals[f"{name}.errors"] = e
        for le, c in zip(BUCKETS, cum): signals[f"{name}.bucket.{le_text(le)}"] = c
    elapsed = datetime.timedelta(minutes=minute)
    return {"sequence": seq, "time": (T0 + elapsed).isoformat().replace("+00:00", "Z"),
            "elapsed": f"{int(minute // 60):02d}:{int(minute % 60):02d}:00", "phase": "early", "verdict": "inconclusive",
            "reasons": [], "signals": signals, "unreadable": unreadable, "sourceErrors": [], "notes": [],
            "watchId": "judge-scenario", "timeScale": 1}

def scenario(name, seed, minutes, canary, baseline, missing=None):
    """canary/baseline: minute -> dict(requests, error_rate, median, sigma, delay); missing: minute -> {version: why}."""
    rng = random.Random(seed)
    lines = []
    for m in range(1, minutes + 1):
        c, b = canary(m), baseline(m)
        lines.append(sample(m, m, version(rng, **c), version(rng, **b), (missing or (lambda _: None))(m)))
    return name, lines

def v(requests=2000, error_rate=0.5, median=0.08, sigma=0.5, delay=0.0, tail=(0.0, 0.0), errors=None):
    """errors: minute -> exact error count, for scenarios about specific counts rather than rates."""
    return lambda m: dict(requests=requests, error_rate=error_rate, median=median, sigma=sigma, delay=delay, tail=tail,
                          errors=None if errors is None else errors(m))

def switch(at, before, after):
    return lambda m: before(m) if m < at else after(m)

S = []  # (name, expected, anchor, description, generated)
def add(name, expected, anchor, description, **kw):
    S.append((name, expected, anchor, description, scenario(name, len(S) + 1, kw.pop("minutes", 10), **kw)[1]))

# Self-comparison: the same version against itself must never fail.
add("self-0.1pct", "healthy", "self-comparison", "same version, 0.1 % errors, 2,000 req/min each", canary=v(error_rate=0.1), baseline=v(error_rate=0.1))
add("self-1pct", "healthy", "self-comparison", "same version, 1 % errors", canary=v(error_rate=1), baseline=v(error_rate=1))
add("self-4pct-bad-dependency", "healthy", "self-comparison", "both versions at 4 % (a failing dependency, not the release)", canary=v(error_rate=4), baseline=v(error_rate=4))
add("self-slow", "healthy", "self-comparison", "both versions slow: median 400 ms", canary=v(median=0.4), baseline=v(median=0.4))
add("self-high-traffic", "healthy", "self-comparison", "20,000 req/min each, 0.5 % errors", canary=v(requests=20000), baseline=v(requests=20000))
add("self-canary-25pct-weight", "healthy", "self-comparison", "canary at 25 % weight: 1,000 vs 3,000 req/min", canary=v(requests=1000, error_rate=0.3), baseline=v(requests=3000, error_rate=0.3))
add("self-zero-errors", "healthy", "self-comparison", "no errors anywhere", canary=v(error_rate=0), baseline=v(error_rate=0))
# Regressions: must never pass.
add("errors-2x-at-1pct", "rollback", "2x error regression", "1 % → 2 %", canary=v(error_rate=2), baseline=v(error_rate=1))
add("errors-2.5x-at-0.5pct", "rollback", "2x error regression", "0.5 % → 1.25 %", canary=v(error_rate=1.25), baseline=v(error_rate=0.5))
add("errors-3x-at-2pct", "rollback", "2x error regression", "2 % → 6 %", canary=v(error_rate=6), baseline=v(error_rate=2))
add("errors-issue-example-0.1-vs-0.8", "rollback", "issue 16", "canary 0.8 % vs stable 0.1 %: under a 5 % absolute limit, 8× the baseline", canary=v(error_rate=0.8), baseline=v(error_rate=0.1))
add("kayenta-70x-mean-errors", "rollback", "spinnaker#6278", "canary error rate 70× the baseline's (0.05 % → 3.5 %)", canary=v(error_rate=3.5), baseline=v(error_rate=0.05))
add("kayenta-70x-mean-latency", "rollback", "spinnaker#6278", "canary latency 70× the baseline's (median 20 ms → 1.4 s)", canary=v(median=1.4), baseline=v(median=0.02))
add("kayenta-426-errors-vs-zero-baseline", "rollback", "kayenta#426", "canary 1 % errors against an all-zero baseline", canary=v(error_rate=1), baseline=v(error_rate=0))
add("latency-p95-plus-200ms", "rollback", "+200 ms p95", "every canary request 200 ms slower (p95 ≈ 180 → 380 ms)", canary=v(delay=0.2), baseline=v())
add("latency-p95-plus-200ms-slow-baseline", "rollback", "+200 ms p95", "baseline p95 ≈ 600 ms, canary +200 ms", canary=v(median=0.3, delay=0.2), baseline=v(median=0.3))
add("regression-after-5-minutes", "rollback", "2x error regression", "equal for 5 minutes, then the canary goes from 1 % to 3 %", canary=switch(6, v(error_rate=1), v(error_rate=3)), baseline=v(error_rate=1))
add("regression-at-10pct-weight", "rollback", "2x error regression", "canary at 10 % weight (400 vs 3,600 req/min), 1 % → 3 %", canary=v(requests=400, error_rate=3), baseline=v(requests=3600, error_rate=1))
add("regression-then-traffic-stops", "rollback", "flagger#1011", "2 % → 6 %, then the canary's traffic stops: the regression already decided", canary=switch(7, v(error_rate=6), v(requests=0)), baseline=v(error_rate=2))
# Certain but harmless, or better: must not fail.
add("kayenta-426-sparse-errors-vs-zero-baseline", "healthy", "kayenta#426", "a few canary errors (≈0.02 %) against an all-zero baseline", canary=v(error_rate=0.02), baseline=v(error_rate=0))
add("harmless-4.0-vs-4.4pct", "healthy", "effect-size floor", "4.4 % vs 4.0 % at 20,000 req/min: certain, +0.4 pp, 1.1×", canary=v(requests=20000, error_rate=4.4), baseline=v(requests=20000, error_rate=4))
add("harmless-0.10-vs-0.25pct", "healthy", "effect-size floor", "0.25 % vs 0.10 % at 50,000 req/min: certain, 2.5×, but +0.15 pp", canary=v(requests=50000, error_rate=0.25), baseline=v(requests=50000, error_rate=0.1))
add("harmless-latency-plus-20ms", "healthy", "latency allowance", "canary +20 ms on every request", canary=v(delay=0.02), baseline=v())
add("harmless-latency-plus-30pct-fast", "healthy", "latency allowance", "fast service (median 15 ms) 30 % slower: +5–15 ms", canary=v(median=0.0195), baseline=v(median=0.015))
add("canary-better", "healthy", "self-comparison", "canary 0.2 % vs baseline 1 %", canary=v(error_rate=0.2), baseline=v(error_rate=1))
# Too little evidence, missing values, traffic stops: never Pass or Fail.
add("low-traffic-both", "inconclusive", "low traffic", "8 req/min per version", canary=v(requests=8), baseline=v(requests=8))
add("low-traffic-canary", "inconclusive", "low traffic", "canary at 1 % weight: 5 req/min vs 500", canary=v(requests=5), baseline=v(requests=500))
add("large-difference-few-requests", "inconclusive", "low traffic", "exactly 2 canary errors in 5 minutes (≈3 %) vs 0 on 12 req/min: large, not significant",
    minutes=5, canary=v(requests=12, errors=lambda m: 1 if m in (2, 4) else 0), baseline=v(requests=12, error_rate=0))
add("flagger-1011-traffic-stops", "inconclusive", "flagger#1011", "healthy canary whose traffic stops at minute 6", canary=switch(6, v(), v(requests=0)), baseline=v())
add("flagger-1689-canary-weight-to-zero", "inconclusive", "flagger#1689", "canary traffic falls to 2 % of its rate at minute 8 (router weight lost)", canary=switch(8, v(), v(requests=40)), baseline=v())
add("argo-1905-no-metric-value", "inconclusive", "argo-rollouts#1905", "the canary's query returns no value from minute 7",
    canary=v(), baseline=v(), missing=lambda m: {"canary": "query returned no data"} if m >= 7 else None)
add("argo-1905-never-a-value", "inconclusive", "argo-rollouts#1905", "the canary's metric never has a value",
    canary=v(), baseline=v(), missing=lambda m: {"canary": "query returned no data"})
add("baseline-traffic-stops", "inconclusive", "flagger#1011", "the stable version's traffic stops at minute 6 (drained too early)", canary=v(), baseline=switch(6, v(), v(requests=0)))
add("latency-tail-regression-too-few-observations", "inconclusive", "low traffic", "+500 ms on 10 % of 30 req/min: p95 needs 200 observations per version", canary=v(requests=30, tail=(0.1, 0.5)), baseline=v(requests=30))
add("latency-plus-200ms-low-traffic", "investigate", "+200 ms p95", "+200 ms on every request at 30 req/min: the median shows it (p50, Investigate); p95 lacks evidence", canary=v(requests=30, delay=0.2), baseline=v(requests=30))

here = os.path.dirname(os.path.abspath(__file__))
manifest = []
for name, expected, anchor, description, lines in S:
    with open(os.path.join(here, name + ".jsonl"), "w") as f:
        for line in lines: f.write(json.dumps(line, separators=(",", ":")) + "\n")
    manifest.append({"name": name, "expected": expected, "anchor": anchor, "description": description})
with open(os.path.join(here, "scenarios.json"), "w") as f:
    json.dump(manifest, f, indent=2, ensure_ascii=False); f.write("\n")
print(f"{len(manifest)} scenarios")
