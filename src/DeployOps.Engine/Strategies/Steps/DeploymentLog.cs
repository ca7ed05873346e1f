using System.Text;
using DeployOps.Engine.Audit;
using DeployOps.Engine.Security;

namespace DeployOps.Engine.Strategies.Steps;

/// <summary>
/// The deployment's log file: every step's command, output and result, timestamped and redacted. Each line is
/// flushed as written so the log of a killed deployment is complete up to the kill.
/// </summary>
internal sealed class DeploymentLog : IDisposable
{
    private readonly Redactor _redactor;
    private readonly object _gate = new();
    private StreamWriter? _writer;

    public DeploymentLog(string? path, Redactor redactor)
    {
        _redactor = redactor;
        if (path is not null) Open(path);
    }

    public string? Path { get; private set; }

    /// <summary>Where deployment <paramref name="id"/> logs: deployment.logDirectory, else the state directory's logs/.</summary>
    public static string PathFor(Configuration.ConfigModel config, string id) =>
        System.IO.Path.Combine(config.Deployment.LogDirectory ?? State.StateDirectory.Sub(config.State.Directory, "logs"), id + ".log");

    /// <summary>Starts writing (appending) to <paramref name="path"/>; a log without a file discards lines (planning).</summary>
    public void Open(string path)
    {
        lock (_gate)
        {
            _writer?.Dispose();
            _writer = new StreamWriter(PrivateFiles.Open(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite), new UTF8Encoding(false))
            {
                AutoFlush = true,
            };
            Path = path;
        }
    }

    public void Write(string text)
    {
        var stamp = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture);
        var redacted = _redactor.Redact(text);
        lock (_gate)
        {
            if (_writer is null) return;
            foreach (var line in redacted.Split('\n')) _writer.WriteLine($"{stamp} {line.TrimEnd('\r')}");
        }
    }

    public void Dispose()
    {
        lock (_gate) _writer?.Dispose();
    }
}
