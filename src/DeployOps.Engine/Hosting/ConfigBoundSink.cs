using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Hosting;

/// <summary>Stamps every record the engine emits with the configuration it came from (<c>ConfigPath</c>).</summary>
internal sealed class ConfigBoundSink : IOutputSink
{
    private readonly IOutputSink _inner;
    private readonly string _configPath;

    private ConfigBoundSink(IOutputSink inner, string configPath)
    {
        _inner = inner;
        _configPath = configPath;
    }

    public void WriteRecord(object record) => _inner.WriteRecord(ConfigBinding.Bind(record, _configPath));
    public void WriteProgress(ProgressUpdate progress) => _inner.WriteProgress(progress);
    public void WriteVerbose(string message) => _inner.WriteVerbose(message);
    public void WriteWarning(string message) => _inner.WriteWarning(message);
    public void WriteError(DeployOpsError error) => _inner.WriteError(error);
    public bool ShouldProcess(string target, string action) => _inner.ShouldProcess(target, action);
    public bool IsDryRun => _inner.IsDryRun;

    /// <summary>The sink, stamping for <paramref name="config"/> (already stamping for it: unchanged).</summary>
    public static IOutputSink For(IOutputSink sink, ConfigModel config) =>
        sink is ConfigBoundSink bound && bound._configPath == config.FilePath ? sink : new ConfigBoundSink(sink, config.FilePath);
}
