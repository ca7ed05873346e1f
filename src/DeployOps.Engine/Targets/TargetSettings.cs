using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Targets;

/// <summary>The <c>targets:</c> section: named hosts that slots and instances live on.</summary>
internal static class TargetSettings
{
    private static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(10);

    public static IReadOnlyDictionary<string, SshTarget> Read(ConfigMap? map, string configDirectory)
    {
        var targets = new Dictionary<string, SshTarget>(StringComparer.Ordinal);
        if (map is null) return targets;
        // kind: kubernetes entries are clusters, read by Kubernetes.KubernetesTargetSettings.
        var entries = map.Keys.ToList().Where(k => !Kubernetes.KubernetesTargetSettings.IsKubernetes(map.Node(k)))
            .Select(k => (Name: k, Map: map.Map(k))).Where(e => e.Map is not null)
            .Select(e => (e.Name, Map: e.Map!)).ToList();
        // Jump hosts may be declared after the targets that use them: plain targets first, then those with a jump.
        foreach (var (name, entry) in entries.Where(e => !e.Map.Has("jump"))) Add(targets, name, entry, configDirectory, null);
        foreach (var (name, entry) in entries.Where(e => e.Map.Has("jump")))
        {
            var jumpName = entry.String("jump") ?? "";
            if (!targets.TryGetValue(jumpName, out var jump))
                entry.Error("jump", entries.Any(e => e.Name == jumpName)
                    ? $"'{jumpName}' has a jump host itself; only one hop is supported"
                    : $"'{jumpName}' is not a target of this file (targets: {string.Join(", ", entries.Select(e => e.Name))})");
            Add(targets, name, entry, configDirectory, jump);
        }
        map.Finish();
        return targets;
    }

    private static void Add(Dictionary<string, SshTarget> targets, string name, ConfigMap entry, string configDirectory, SshTarget? jump)
    {
        if (Security.Identifiers.NameProblem(name) is { } nameProblem)
            entry.ErrorHere($"target name '{Security.Identifiers.Printable(name)}': {nameProblem}");
        var kind = entry.String("kind", "ssh");
        if (kind != "ssh") entry.Error("kind", $"unknown target kind '{kind}' (use ssh or kubernetes)");
        var address = entry.RequiredString("address");
        if (address.Length > 0 && Security.Identifiers.HostProblem(address) is { } hostProblem) entry.Error("address", hostProblem);
        var port = entry.Int("port", 22, 1, 65535);
        var user = entry.RequiredString("user");
        if (user.Length > 0 && !IsPlainUser(user)) entry.Error("user", $"'{Security.Identifiers.Printable(user)}' is not a user name ([A-Za-z0-9._-], not starting with '-')");
        var useAgent = entry.Bool("agent", false);
        var identity = ExistingFile(entry, "identityFile", configDirectory);
        if (useAgent == entry.Has("identityFile"))
            entry.ErrorHere($"target '{name}' needs exactly one of identityFile: (a private key) or agent: true (the keys of ssh-agent)");
        var knownHosts = ExistingFile(entry, "knownHosts", configDirectory)
            ?? (entry.Has("knownHosts") ? "" : DefaultKnownHosts(entry, name));
        var labels = entry.StringList("labels");
        var connectTimeout = entry.Duration("connectTimeout", DefaultConnectTimeout);
        entry.String("jump");
        entry.Finish();
        targets[name] = new SshTarget(name, address, port, user, useAgent ? null : identity ?? "", knownHosts, jump, labels, connectTimeout);
    }

    private static bool IsPlainUser(string user) =>
        !user.StartsWith('-') && user.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    private static string? ExistingFile(ConfigMap entry, string key, string configDirectory)
    {
        if (entry.String(key) is not { } value) return null;
        var path = Path.GetFullPath(Path.Combine(configDirectory, value));
        if (!File.Exists(path)) entry.Error(key, $"file not found: {path}");
        return path;
    }

    private static string DefaultKnownHosts(ConfigMap entry, string name)
    {
        var path = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh", "known_hosts");
        if (!File.Exists(path))
            entry.ErrorHere($"target '{name}' has no knownHosts: and {path} does not exist; host keys are always verified (write them with ssh-keyscan and check them)");
        return path;
    }
}
