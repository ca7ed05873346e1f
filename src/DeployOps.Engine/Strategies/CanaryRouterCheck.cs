using DeployOps.Engine.Hosting;
using DeployOps.Engine.Traffic;

namespace DeployOps.Engine.Strategies;

/// <summary>
/// The router check of a canary step: after each weight change, requests through the router (<c>traffic.probeUrl</c>)
/// must all reach a backend and every version with a weight above 0 must answer. The move's own confirmation stops at
/// the first answers; this series is what users get from the new split, counted per version for the record. A router
/// that fails requests, or no longer reaches the canary (killed after the step), fails the step: the canary aborts to 0 %.
/// A backend's own error answers (it answered, with its identity) are counted and left to the gate, which judges them.
/// </summary>
internal static class CanaryRouterCheck
{
    /// <summary>
    /// The series sends <c>verifyRequests</c>, then more until every serving version answered, at most this many times
    /// the requests in which the smallest share expects one answer: a 5 % canary gets up to 20 × 10 = 200 requests.
    /// </summary>
    private const int ExpectedAnswersBound = 10;

    /// <summary>Plan text for -WhatIf; null when the check is off (no router or <c>verifyRequests: 0</c>).</summary>
    public static string? Describe(DeploymentRun run)
    {
        var traffic = run.Settings.Traffic;
        if (run.Router is null || traffic.VerifyRequests == 0) return null;
        return run.Config.Redactor.Redact($"then: at least {traffic.VerifyRequests} request(s) through {traffic.ProbeUrl}; none may fail at the router " +
            "and every version with a weight above 0 must answer, else the canary goes back to 0%");
    }

    /// <summary>
    /// <paramref name="phase"/>'s move followed by the check. The backends' identities are learned before the move:
    /// one that stops answering afterwards must show as missing, not stall the check.
    /// </summary>
    public static PlannedPhase Around(DeploymentRun run, PlannedPhase phase, IReadOnlyList<TrafficBackend> backends)
    {
        if (Describe(run) is not { } described) return phase;
        return phase.Wrapped(move => async ct =>
        {
            var probe = Probe(run);
            var serving = backends.Where(b => b.Weight > 0).ToList();
            var identities = await probe.IdentitiesAsync(serving, ct).ConfigureAwait(false);
            var moved = await move(ct).ConfigureAwait(false);
            var check = await VerifyAsync(run, probe, phase.Name, serving, identities, ct).ConfigureAwait(false);
            return moved is null ? check : $"{moved}; {check}";
        }, details: phase.Details.Append(described).ToList());
    }

    private static RouterProbe Probe(DeploymentRun run) =>
        new(run.Settings.Traffic, run.Config.Redactor, run.Router!.Target, run.Log.Write);

    private static async Task<string> VerifyAsync(DeploymentRun run, RouterProbe probe, string phase, IReadOnlyList<TrafficBackend> serving,
        IReadOnlyDictionary<string, string?> identities, CancellationToken ct)
    {
        var traffic = run.Settings.Traffic;
        // Each version's share of the weights (the canary slot may span several hosts, each with the step's weight).
        var total = serving.Sum(b => b.Weight);
        var shares = serving.GroupBy(b => identities[b.Name]!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (double)g.Sum(b => b.Weight) / total, StringComparer.Ordinal);
        var limit = (int)Math.Min(10_000, Math.Max(traffic.VerifyRequests, Math.Ceiling(ExpectedAnswersBound / shares.Values.Min())));
        run.Sink.WriteProgress(new ProgressUpdate(DeploymentEngine.StepActivityId, phase,
            $"router check: {traffic.VerifyRequests} request(s) through the router", ParentActivityId: DeploymentEngine.PhaseActivityId));
        var sample = await probe.SampleAsync(traffic.ProbeUrl, traffic.VerifyRequests, limit,
            answers => shares.Keys.All(answers.ContainsKey), ct).ConfigureAwait(false);
        var summary = run.Config.Redactor.Redact("router check: " + sample.Summary);
        run.Log.Write($"{phase}: {summary}");
        run.Sink.WriteVerbose($"[{phase}] {summary}");
        var missing = shares.Keys.Where(v => !sample.Answers.ContainsKey(v)).ToList();
        var strangers = sample.Answers.Keys.Where(v => !shares.ContainsKey(v)).ToList();
        var problem = sample.RouterFailed > 0 ? $"{sample.RouterFailed} request(s) got no answer from any backend"
            : missing.Count > 0 ? $"{string.Join(", ", missing.Select(v => $"'{v}'"))} never answered although its weight is above 0"
            : strangers.Count > 0 ? $"{string.Join(", ", strangers.Select(v => $"'{v}'"))} answered although it should take no traffic"
            : null;
        if (problem is not null)
            throw new DeployOpsException(ErrorIds.DeploymentVerificationFailed, ErrorKind.InvalidResult,
                run.Config.Redactor.Redact($"{summary}: {problem}; the router does not serve the split of {phase}"), run.Router!.Target);
        if (sample.Failed > 0) run.Sink.WriteWarning($"[{phase}] {summary} (answered by the application: the gate judges it)");
        return summary;
    }
}
