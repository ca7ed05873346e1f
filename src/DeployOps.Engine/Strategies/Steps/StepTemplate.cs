using System.Text.RegularExpressions;

namespace DeployOps.Engine.Strategies.Steps;

/// <summary>The values a step's templates are rendered with for one target.</summary>
public sealed class StepContext
{
    public StepContext(string version, string? previousVersion, string? slot, string? instance, string? host, int? port)
    {
        Version = version;
        PreviousVersion = previousVersion;
        Slot = slot;
        Instance = instance;
        Host = host;
        Port = port;
    }

    public string Version { get; }
    public string? PreviousVersion { get; }
    public string? Slot { get; }
    public string? Instance { get; }
    public string? Host { get; }
    public int? Port { get; }

    /// <summary>The same values as environment variables for command steps (DEPLOYOPS_VERSION, …).</summary>
    internal IReadOnlyDictionary<string, string> Variables() => new Dictionary<string, string>
    {
        ["DEPLOYOPS_VERSION"] = Version,
        ["DEPLOYOPS_PREVIOUS_VERSION"] = PreviousVersion ?? "",
        ["DEPLOYOPS_SLOT"] = Slot ?? "",
        ["DEPLOYOPS_INSTANCE"] = Instance ?? "",
        ["DEPLOYOPS_HOST"] = Host ?? "",
        ["DEPLOYOPS_PORT"] = Port?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "",
    };
}

/// <summary>Renders {version}, {previousVersion}, {slot}, {instance}, {port}, {host}; other braces are left alone.</summary>
public static partial class StepTemplate
{
    public static readonly IReadOnlyList<string> Names = new[] { "version", "previousVersion", "slot", "instance", "port", "host" };

    [GeneratedRegex(@"\{(version|previousVersion|slot|instance|port|host)\}")]
    private static partial Regex Placeholder();

    public static string Render(string text, StepContext context) => Placeholder().Replace(text, m => m.Groups[1].Value switch
    {
        "version" => context.Version,
        "previousVersion" => context.PreviousVersion ?? "",
        "slot" => context.Slot ?? "",
        "instance" => context.Instance ?? context.Slot ?? "",
        "port" => context.Port?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "",
        _ => context.Host ?? "",
    });

    public static string? RenderOrNull(string? text, StepContext context) => text is null ? null : Render(text, context);
}
