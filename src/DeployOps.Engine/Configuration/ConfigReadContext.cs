using DeployOps.Engine.Audit;
using YamlDotNet.Core;

namespace DeployOps.Engine.Configuration;

/// <summary>Shared state of one configuration read: where errors go and how references are resolved.</summary>
internal sealed class ConfigReadContext
{
    private readonly List<ConfigError> _errors = new();

    public ConfigReadContext(string file, SecretResolver secrets)
    {
        File = file;
        Secrets = secrets;
    }

    public string File { get; }
    public SecretResolver Secrets { get; }
    public IReadOnlyList<ConfigError> Errors => _errors;

    public void Error(Mark at, string path, string message) =>
        _errors.Add(new ConfigError(File, (int)at.Line, (int)at.Column, path, message));
}
