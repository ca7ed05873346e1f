using DeployOps.Engine.Configuration;
using k8s;
using k8s.Exceptions;

namespace DeployOps.Engine.Kubernetes;

/// <summary>
/// The <c>kind: kubernetes</c> entries of <c>targets:</c>: either a kubeconfig (+ context) or server + token + CA.
/// The API server's certificate is always verified; a kubeconfig that turns verification off is refused.
/// </summary>
internal static class KubernetesTargetSettings
{
    public const string Kind = "kubernetes";
    private static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(30);

    /// <summary>True for a <c>targets:</c> entry of this kind (the ssh reader skips those).</summary>
    public static bool IsKubernetes(YamlDotNet.RepresentationModel.YamlNode? entry) =>
        entry is YamlDotNet.RepresentationModel.YamlMappingNode map &&
        map.Children.TryGetValue(new YamlDotNet.RepresentationModel.YamlScalarNode("kind"), out var kind) &&
        kind is YamlDotNet.RepresentationModel.YamlScalarNode { Value: Kind };

    public static IReadOnlyDictionary<string, KubernetesCluster> Read(ConfigMap? map, string configDirectory)
    {
        var clusters = new Dictionary<string, KubernetesCluster>(StringComparer.Ordinal);
        if (map is null) return clusters;
        foreach (var name in map.Keys.ToList())
        {
            if (!IsKubernetes(map.Node(name)) || map.Map(name) is not { } entry) continue;
            if (Read(name, entry, configDirectory) is { } cluster) clusters[name] = cluster;
        }
        return clusters;
    }

    private static KubernetesCluster? Read(string name, ConfigMap entry, string configDirectory)
    {
        if (Security.Identifiers.NameProblem(name) is { } nameProblem)
            entry.ErrorHere($"target name '{Security.Identifiers.Printable(name)}': {nameProblem}");
        entry.String("kind");
        var kubeconfig = ExistingFile(entry, "kubeconfig", configDirectory);
        var context = entry.String("context");
        var server = entry.String("server");
        var token = entry.String("token");
        if (token is not null && !entry.IsReference("token"))
            entry.Error("token", "write the token as a reference (${env:NAME} or ${file:path}), never in the file");
        var ca = ExistingFile(entry, "certificateAuthority", configDirectory);
        var @namespace = entry.String("namespace");
        if (@namespace is not null && NameProblem(@namespace) is { } nsProblem) entry.Error("namespace", nsProblem);
        var timeout = entry.Duration("requestTimeout", DefaultRequestTimeout);
        entry.StringList("labels");
        entry.Finish();

        KubernetesClientConfiguration? configuration = null;
        if (kubeconfig is not null)
        {
            if (server is not null || token is not null || ca is not null)
                entry.ErrorHere($"target '{name}': use either kubeconfig (+ context) or server + token + certificateAuthority, not both");
            else configuration = FromKubeconfig(entry, kubeconfig, context);
        }
        else if (server is null) entry.ErrorHere($"target '{name}' of kind kubernetes needs kubeconfig: (and context:) or server: with token:");
        else
        {
            if (context is not null) entry.Error("context", "context: selects a context of a kubeconfig; this target has none");
            if (token is null) entry.ErrorHere($"target '{name}' has a server but no token: (a ${{env:…}} or ${{file:…}} reference)");
            configuration = new KubernetesClientConfiguration
            {
                Host = server,
                AccessToken = token,
                // Null: the system's trust store verifies the server, as for any https URL.
                SslCaCerts = ca is null ? null : LoadCa(entry, ca),
            };
        }
        if (configuration is null) return null;
        if (configuration.SkipTlsVerify)
            entry.ErrorHere($"target '{name}': the kubeconfig turns TLS verification off (insecure-skip-tls-verify); DeployOps always verifies the API server — give its certificate-authority instead");
        var host = configuration.Host ?? "";
        if (!Uri.TryCreate(host, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
        {
            entry.Error(kubeconfig is null ? "server" : "kubeconfig", $"the API server must be an https:// URL (got '{host}'): a token must never travel in clear text");
            return null;
        }
        configuration.HttpClientTimeout = timeout;
        return new KubernetesCluster(name, host.TrimEnd('/'), @namespace ?? configuration.Namespace ?? "default", kubeconfig, context, configuration);
    }

    private static KubernetesClientConfiguration? FromKubeconfig(ConfigMap entry, string path, string? context)
    {
        try
        {
            return KubernetesClientConfiguration.BuildConfigFromConfigFile(path, currentContext: context);
        }
        catch (Exception ex) when (ex is KubeConfigException or InvalidOperationException or IOException or YamlDotNet.Core.YamlException
            or ArgumentException or FormatException or System.Security.Cryptography.CryptographicException)
        {
            entry.Error(context is not null && ex.Message.Contains(context, StringComparison.Ordinal) ? "context" : "kubeconfig",
                $"{path}: {ex.Message}");
            return null;
        }
    }

    private static System.Security.Cryptography.X509Certificates.X509Certificate2Collection? LoadCa(ConfigMap entry, string path)
    {
        try
        {
            var certificates = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
            certificates.ImportFromPemFile(path);
            if (certificates.Count == 0) entry.Error("certificateAuthority", $"{path} holds no PEM certificate");
            return certificates;
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            entry.Error("certificateAuthority", $"{path}: not a PEM certificate ({ex.Message})");
            return null;
        }
    }

    private static string? ExistingFile(ConfigMap entry, string key, string configDirectory)
    {
        if (entry.String(key) is not { } value) return null;
        var path = Path.GetFullPath(Path.Combine(configDirectory, value));
        if (!File.Exists(path)) entry.Error(key, $"file not found: {path}");
        return path;
    }

    /// <summary>Why <paramref name="name"/> is not a DNS-1123 label (namespaces, Services, Deployments, containers), or null.</summary>
    public static string? NameProblem(string name) =>
        name.Length is 0 or > 63 || !char.IsAsciiLetterLower(name[0]) && !char.IsAsciiDigit(name[0]) || name[^1] == '-' ||
        !name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
            ? $"'{Security.Identifiers.Printable(name)}' is not a Kubernetes name (lower-case letters, digits and '-', at most 63)"
            : null;
}
