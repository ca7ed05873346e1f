using System.Text;
using DeployOps.Engine.Audit;

namespace DeployOps.Engine.Strategies.Steps;

/// <summary>
/// The deployment's log file: every step's command, output and result, timestamped and redacted. Each line is
/// flushed as written so the log of a killed deployment is complete up to the kill.
/// </summary>
internal sealed class DeploymentLog : IDisposable
{
    private readonly StreamWriter? _writer;
    private readonly Redactor _redactor;
    private readonly object _gate = new();

    public DeploymentLog(string? path, Redactor redactor)
    {
        Path = path;
        _redactor = redactor;
        if (path is null) return;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        _writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite), new UTF8Encoding(false))
        {
            AutoFlush = true,
        };
    }

    public string? Path { get; }

    public void Write(string text)
    {
        if (_writer is null) return;
        var stamp = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture);
        var redacted = _redactor.Redact(text);
        lock (_gate)
        {
            foreach (var line in redacted.Split('\n')) _writer.WriteLine($"{stamp} {line.TrimEnd('\r')}");
        }
    }

    public void Dispose()
    {
        lock (_gate) _writer?.Dispose();
    }
}
