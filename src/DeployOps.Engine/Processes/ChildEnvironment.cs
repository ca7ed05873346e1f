using System.Collections.Concurrent;

namespace DeployOps.Engine.Processes;

/// <summary>
/// The environment every child starts with: the parent's, minus each variable a <c>${env:NAME}</c> reference of a
/// configuration resolved. Those hold secrets (the password behind <c>password: ${env:DBPASS}</c>) and a child sees
/// one only when its spec sets it explicitly, e.g. through a step's <c>env:</c> map. Process-wide on purpose: once a
/// value has been read as a secret in this session, no child of any configuration inherits it by accident.
/// </summary>
internal static class ChildEnvironment
{
    private static readonly ConcurrentDictionary<string, byte> Scrubbed = new(StringComparer.Ordinal);

    /// <summary>Called by the secret resolver for every <c>${env:NAME}</c> it resolves.</summary>
    public static void Scrub(string name)
    {
        if (!string.IsNullOrEmpty(name)) Scrubbed.TryAdd(name, 0);
    }

    public static bool IsScrubbed(string name) => Scrubbed.ContainsKey(name);

    /// <summary>Applies the scrubbing, then the explicit variables (null removes), to a started-to-be child's environment.</summary>
    public static void Apply(IDictionary<string, string?> target, IReadOnlyDictionary<string, string?> explicitVariables)
    {
        foreach (var name in Scrubbed.Keys) target.Remove(name);
        foreach (var (name, value) in explicitVariables)
        {
            if (value is null) target.Remove(name);
            else target[name] = value;
        }
    }
}
