namespace DeployOps.Engine.Strategies;

/// <summary>
/// Whether the application answers users: each target that runs in place answers its readiness path on its own
/// address (not through the proxy, where a maintenance page would hide a dead app). Used to decide whether
/// maintenance may be left after a failure: leaving it while the app is down turns the page into a 502.
/// </summary>
internal static class ServingCheck
{
    private static readonly HttpClient Probe = new() { Timeout = TimeSpan.FromSeconds(2) };

    /// <summary>The targets users reach in place for <paramref name="strategy"/>: the hotfix slot, else the instances.</summary>
    public static IReadOnlyList<DeploymentTarget> InPlaceTargets(DeploymentSettings settings, DeploymentStrategy strategy, string? slot) =>
        strategy switch
        {
            DeploymentStrategy.Hotfix when slot is not null && settings.Slots.FirstOrDefault(s => s.Name == slot) is { } live => new[] { live },
            DeploymentStrategy.Hotfix or DeploymentStrategy.Rolling => settings.Instances,
            _ => Array.Empty<DeploymentTarget>(),
        };

    /// <summary>True when every target answers 2xx (no targets: nothing in place to be down).</summary>
    public static async Task<bool> AllServingAsync(IEnumerable<DeploymentTarget> targets, string readinessPath, CancellationToken ct)
    {
        foreach (var target in targets)
            if (!await AnswersAsync(target, readinessPath, ct).ConfigureAwait(false)) return false;
        return true;
    }

    /// <summary>
    /// False only when nothing runs at <paramref name="target"/>: the connection is refused (or cannot be made). Any
    /// answer, whatever its status, and a slow one that times out mean something runs there — a busy live slot must
    /// never be mistaken for an empty host.
    /// </summary>
    public static async Task<bool> RespondsAsync(DeploymentTarget target, string path, CancellationToken ct)
    {
        try
        {
            using var response = await Probe.GetAsync(target.BaseUrl + path, ct).ConfigureAwait(false);
            return true;
        }
        catch (HttpRequestException ex) when (ex.HttpRequestError == HttpRequestError.ConnectionError)
        {
            return false;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return true;
        }
    }

    public static async Task<bool> AnswersAsync(DeploymentTarget target, string path, CancellationToken ct)
    {
        try
        {
            using var response = await Probe.GetAsync(target.BaseUrl + path, ct).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return false;
        }
    }
}
