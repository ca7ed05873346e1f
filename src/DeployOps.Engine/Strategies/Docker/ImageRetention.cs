using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Strategies.Docker;

/// <summary>
/// <c>deployment.docker.retention</c>: which of the application's images and image backups may go. An image goes only
/// when it is beyond the newest <see cref="KeepVersions"/> successful versions (when set) <b>and</b> unused for longer
/// than <see cref="MaxAge"/> (when set). Never removed, whatever the settings: the live version's image, the image the
/// default rollback returns to (the live deployment's previous version), the image of any container (running or not).
/// </summary>
internal sealed class ImageRetention
{
    /// <summary>Keep the images of the newest N successful versions; null: no count limit (age alone decides).</summary>
    public int? KeepVersions { get; private init; }
    /// <summary>Keep what a deployment recorded (or what was created) within this time; null: no age limit (the count alone decides).</summary>
    public TimeSpan? MaxAge { get; private init; }
    /// <summary>Apply after every successful deployment (default true); false: only Remove-DeploymentImage prunes.</summary>
    public bool AfterDeployment { get; private init; } = true;

    internal static ImageRetention? Read(ConfigMap? map)
    {
        if (map is null) return null;
        var retention = new ImageRetention
        {
            KeepVersions = map.Has("keepVersions") ? map.Int("keepVersions", 2, 1, 10_000) : null,
            MaxAge = map.OptionalDuration("maxAge"),
            AfterDeployment = map.Bool("afterDeployment", true),
        };
        if (retention.KeepVersions is null && retention.MaxAge is null) map.ErrorHere("retention needs keepVersions, maxAge or both");
        map.Finish();
        return retention;
    }

    /// <summary>With explicit overrides (Remove-DeploymentImage -KeepVersions/-MaxAge) on top of the configured rule.</summary>
    internal ImageRetention With(int? keepVersions, TimeSpan? maxAge) => new()
    {
        KeepVersions = keepVersions ?? KeepVersions,
        MaxAge = maxAge ?? MaxAge,
        AfterDeployment = AfterDeployment,
    };

    internal static ImageRetention Of(int? keepVersions, TimeSpan? maxAge) => new() { KeepVersions = keepVersions, MaxAge = maxAge };

    /// <summary>"the last 3 versions and 1d" — for messages.</summary>
    public override string ToString() => string.Join(" and ", new[]
    {
        KeepVersions is { } n ? $"the last {n} version{(n == 1 ? "" : "s")}" : null,
        MaxAge is { } age ? $"anything used within {ValueParsers.FormatDuration(age)}" : null,
    }.OfType<string>());
}
