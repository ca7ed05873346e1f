using DeployOps.Engine.State;
using DeployOps.Engine.Traffic;

namespace DeployOps.Engine.Strategies;

/// <summary>
/// Keeps the router in step with what a hotfix started: targets the router does not send traffic to when the hotfix
/// begins (the very first deployment, an instance left out of rotation, a router written before an instance existed)
/// are put into rotation once they run and passed their smoke steps. Decided before the plan is built and journaled,
/// so <c>-WhatIf</c> shows the phase and a resumed deployment keeps it; a hotfix whose targets all take traffic
/// already gets no extra phase and no reload.
/// </summary>
internal static class HotfixRotation
{
    /// <summary>Journal field: the targets to put into rotation after the hotfix (comma-separated names).</summary>
    public const string Field = "hotfixIntoRotation";
    public const string PhaseName = "traffic:in";

    /// <summary>The hotfix's targets the router sends no traffic to now; empty when every one of them takes traffic.</summary>
    public static async Task<IReadOnlyList<string>> OutOfRotationAsync(ITrafficRouter router, IReadOnlyList<DeploymentTarget> targets,
        CancellationToken ct)
    {
        var current = await router.ReadCurrentAsync(ct).ConfigureAwait(false);
        return targets.Where(t => current?.FirstOrDefault(b => b.Name == t.Name) is not { Weight: > 0 }).Select(t => t.Name).ToList();
    }

    /// <summary>
    /// What the router gets: a slot takes all traffic (the other slots stay down); instances keep their weights and
    /// the ones out of rotation join with the highest weight already in use (1 when none serves).
    /// </summary>
    public static IReadOnlyList<TrafficBackend> Assignment(DeploymentSettings settings, IReadOnlyList<TrafficBackend>? current,
        IReadOnlyList<DeploymentTarget> targets, bool isSlot)
    {
        if (isSlot) return TrafficSwitcher.AllTo(settings.Slots, SlotOf(settings, targets[0]));
        var weights = (current ?? Array.Empty<TrafficBackend>()).ToDictionary(b => b.Name, b => b.Weight, StringComparer.Ordinal);
        var joining = weights.Values.Where(w => w > 0).DefaultIfEmpty(1).Max();
        var hotfixed = targets.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        return settings.Instances.Select(i => new TrafficBackend(i.Name, i.Host, i.Port,
            weights.GetValueOrDefault(i.Name) is > 0 and var w ? w : hotfixed.Contains(i.Name) ? joining : 0)).ToList();
    }

    /// <summary>The slot a place belongs to: a member (<c>blue.web1</c>) stands for its slot (<c>blue</c>).</summary>
    private static string SlotOf(DeploymentSettings settings, DeploymentTarget place) =>
        settings.Slots.FirstOrDefault(s => s.Places.Contains(place))?.Name ?? place.Name;

    /// <summary>The phase after the last <c>smoke:&lt;target&gt;</c>; null when nothing is to be put into rotation.</summary>
    public static PlannedPhase? Phase(DeploymentRun run, IReadOnlyList<DeploymentTarget> targets, bool isSlot)
    {
        if (run.Router is not { } router || !run.Fields.TryGetValue(Field, out var names) || names.Length == 0) return null;
        var action = $"Put {names.Replace(",", ", ", StringComparison.Ordinal)} into rotation: the router did not send {(names.Contains(',') ? "them" : "it")} traffic before the hotfix";
        return new PlannedPhase
        {
            Name = PhaseName,
            Kind = PhaseKind.Traffic,
            Action = action,
            Target = router.Target,
            Details = new[] { isSlot ? $"all traffic to {SlotOf(run.Settings, targets[0])}, every other slot down" : "instances already in rotation keep their weights" },
            Run = async ct =>
            {
                var current = await router.ReadCurrentAsync(ct).ConfigureAwait(false);
                var change = await run.MoveTrafficAsync(action, Assignment(run.Settings, current, targets, isSlot), ct).ConfigureAwait(false);
                if (isSlot) await run.AnnotateAsync(DeploymentField.ActiveSlot, SlotOf(run.Settings, targets[0]), ct).ConfigureAwait(false);
                var text = run.Config.Redactor.Redact($"the router now sends traffic to what the hotfix started: {change.To} (was {change.From})");
                run.Sink.WriteVerbose($"[{PhaseName}] {text}");
                return $"{change.To} (confirmed by {change.Probes} probes)";
            },
        };
    }
}
