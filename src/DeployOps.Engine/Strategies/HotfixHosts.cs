using DeployOps.Engine.Checks.OnTarget;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Strategies;

/// <summary>
/// A hotfix on named hosts (<c>Invoke-Deployment -Strategy Hotfix -Target web1,web2</c>): only the instances, or the
/// live slot's members, on those hosts are deployed. The items are target names or labels, as a check's
/// <c>targets:</c>. They are resolved before anything is planned and journaled as host names, so -WhatIf,
/// Resume-Deployment and Invoke-Rollback all act on the same hosts.
/// </summary>
internal static class HotfixHosts
{
    /// <summary>Journal field: the hosts the hotfix was restricted to (comma-separated target names); absent: every host.</summary>
    public const string Field = "hotfixTargets";

    /// <summary>
    /// The hosts <paramref name="selectors"/> pick among those <paramref name="places"/> live on, in the places' order.
    /// A name or label that is no target, or picks no host with a place of the hotfix, is an error listing what there is.
    /// </summary>
    public static IReadOnlyList<string> Resolve(ConfigModel config, DeploymentStrategy strategy, IReadOnlyList<DeploymentTarget> places,
        IReadOnlyList<string> selectors)
    {
        var what = "-Target " + Security.Identifiers.Printable(string.Join(",", selectors));
        // Other strategies decide their hosts themselves (batches, the idle slot): a subset would leave the fleet half-switched.
        if (strategy != DeploymentStrategy.Hotfix)
            throw Invalid(ErrorKind.InvalidArgument, $"{what}: only a hotfix can be restricted to named hosts, not {strategy}", what);
        var picked = new HashSet<string>(StringComparer.Ordinal);
        foreach (var selector in selectors)
        {
            var printable = Security.Identifiers.Printable(selector);
            var matches = TargetSelector.Match(selector, config.Targets);
            if (matches.Count == 0)
                throw Invalid(ErrorKind.ObjectNotFound, $"-Target {TargetSelector.Unknown(printable, config.Targets)} in {config.FilePath}", printable);
            var onThem = matches.Where(t => places.Any(p => p.Remote?.Name == t.Name)).Select(t => t.Name).ToList();
            if (onThem.Count == 0)
                throw Invalid(ErrorKind.ObjectNotFound, $"-Target '{printable}' ({string.Join(", ", matches.Select(t => t.Name))}): " +
                    $"the hotfix has nothing there; it deploys {Describe(places)}", printable);
            picked.UnionWith(onThem);
        }
        return places.Select(p => p.Remote?.Name).OfType<string>().Distinct(StringComparer.Ordinal).Where(picked.Contains).ToList();
    }

    /// <summary>The places on the journaled hosts; every place when the hotfix was not restricted.</summary>
    public static IReadOnlyList<DeploymentTarget> Restrict(IReadOnlyList<DeploymentTarget> places, IReadOnlyDictionary<string, string> fields)
    {
        if (!fields.TryGetValue(Field, out var value) || value.Length == 0) return places;
        var hosts = value.Split(',');
        return places.Where(p => p.Remote is { } remote && hosts.Contains(remote.Name, StringComparer.Ordinal)).ToList();
    }

    /// <summary>
    /// <paramref name="smoke"/>, and once it passed the journal field saying which host got the version
    /// (<c>version@web1-app</c> = <c>2.0.1 on web1</c>), as a rolling update writes it.
    /// </summary>
    public static PlannedPhase RecordingVersion(DeploymentRun run, PlannedPhase smoke, DeploymentTarget place) => smoke.Wrapped(check => async ct =>
    {
        var detail = await check(ct).ConfigureAwait(false);
        await run.AnnotateAsync(StrategyPlans.InstanceVersionField(place), $"{run.Version} on {place.Remote?.Name ?? place.Host}", ct).ConfigureAwait(false);
        return detail;
    });

    private static string Describe(IReadOnlyList<DeploymentTarget> places) =>
        string.Join(", ", places.Select(p => $"{p.Name} on {p.Remote?.Name ?? "this host"}"));

    private static DeployOpsException Invalid(ErrorKind kind, string message, string target) =>
        new(ErrorIds.HotfixTargetInvalid, kind, message, target);
}
