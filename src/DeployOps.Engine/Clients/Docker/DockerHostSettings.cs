using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Clients.Docker;

/// <summary>
/// Which daemon and how to reach it, read the same way wherever a daemon is configured (<c>deployment.docker</c> and
/// the <c>docker</c> check): <c>host</c>, <c>tls: {ca, cert, key, verify}</c>, <c>insecurePlainTcp</c> and
/// <c>ssh: {identityFile, knownHosts}</c>. Errors are reported at the key that holds them when the file is loaded.
/// </summary>
internal sealed record DockerHostSettings(string? Host, DockerTlsOptions? Tls, bool InsecurePlainTcp, DockerSshOptions? Ssh)
{
    /// <summary>Reads (and so claims) the four keys from <paramref name="map"/>; the caller finishes the map.</summary>
    public static DockerHostSettings Read(ConfigMap map)
    {
        var host = map.String("host");
        var tls = ReadTls(map.Map("tls"));
        var insecure = map.Bool("insecurePlainTcp", false);
        var ssh = ReadSsh(map.Map("ssh"));
        if (host is not null)
        {
            try { DockerEndpoint.Parse(host, tls, insecure, ssh); }
            catch (DeployOpsException ex) { map.Error("host", ex.Message); }
        }
        else
        {
            // Without host: the address comes from DOCKER_HOST, whose TLS is DOCKER_TLS_VERIFY/DOCKER_CERT_PATH.
            if (tls is not null) map.Error("tls", "tls needs a tcp:// host");
            if (ssh is not null) map.Error("ssh", "ssh needs an ssh:// host");
        }
        return new DockerHostSettings(host, tls, insecure, ssh);
    }

    /// <summary>A client for the configured daemon, else DOCKER_HOST, else the default socket.</summary>
    public DockerClient CreateClient() => DockerClient.Create(Host, tls: Tls, allowInsecureTcp: InsecurePlainTcp, ssh: Ssh);

    private static DockerTlsOptions? ReadTls(ConfigMap? tls)
    {
        if (tls is null) return null;
        var options = new DockerTlsOptions(AbsolutePath(tls, "ca"), AbsolutePath(tls, "cert"), AbsolutePath(tls, "key"), tls.Bool("verify", true));
        tls.Finish();
        return options;
    }

    private static DockerSshOptions? ReadSsh(ConfigMap? ssh)
    {
        if (ssh is null) return null;
        var options = new DockerSshOptions(AbsolutePath(ssh, "identityFile"), AbsolutePath(ssh, "knownHosts"));
        ssh.Finish();
        return options;
    }

    private static string? AbsolutePath(ConfigMap map, string key)
    {
        var path = map.String(key);
        if (path is not null && !Path.IsPathRooted(path)) map.Error(key, $"'{path}' must be an absolute path");
        return path;
    }
}
