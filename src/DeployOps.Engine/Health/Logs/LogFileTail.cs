using System.Text;

namespace DeployOps.Engine.Health.Logs;

/// <summary>
/// Follows a log file from its end at the start of the watch. A rotated file (renamed or deleted: the open handle no
/// longer is the path, seen through /proc/self/fd) is read to its end, then the new file from its start; a truncated
/// file (copytruncate) is read again from its start. The lines before the start (the last MiB) are the baseline.
/// </summary>
internal sealed class LogFileTail : IDisposable
{
    private const int BaselineBytes = 1024 * 1024;
    private readonly string _path;
    private FileStream? _stream;
    private string? _openedAs;
    private long _position;
    private readonly StringBuilder _partial = new();

    public LogFileTail(string path) => _path = path;

    /// <summary>Opens the file at its end and returns the lines before it (a missing file: none, it is followed once it appears).</summary>
    public IReadOnlyList<string> Start()
    {
        if (!TryOpen()) return Array.Empty<string>();
        var length = _stream!.Length;
        var from = Math.Max(0, length - BaselineBytes);
        _stream.Position = from;
        var text = ReadTo(length);
        _position = length;
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        if (from > 0 && lines.Count > 0) lines.RemoveAt(0); // cut mid-line
        if (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
        return lines;
    }

    /// <summary>The complete lines written since the previous read.</summary>
    public IReadOnlyList<string> ReadNew()
    {
        var lines = new List<string>();
        if (_stream is null) { if (!TryOpen()) return lines; _position = 0; }
        if (Rotated())
        {
            Collect(lines); // the rest of the old file
            _stream!.Dispose();
            _stream = null;
            _partial.Clear();
            if (!TryOpen()) return lines;
            _position = 0;
        }
        else if (_stream!.Length < _position) { _position = 0; _partial.Clear(); } // truncated in place
        Collect(lines);
        return lines;
    }

    private void Collect(List<string> lines)
    {
        var stream = _stream!;
        var length = stream.Length;
        if (length <= _position) return;
        stream.Position = _position;
        _partial.Append(ReadTo(length));
        _position = length;
        var text = _partial.ToString();
        var end = text.LastIndexOf('\n');
        if (end < 0) return;
        lines.AddRange(text[..end].Split('\n').Select(l => l.TrimEnd('\r')));
        _partial.Clear().Append(text[(end + 1)..]);
    }

    private string ReadTo(long length)
    {
        var buffer = new byte[length - _stream!.Position];
        var read = 0;
        while (read < buffer.Length)
        {
            var n = _stream.Read(buffer, read, buffer.Length - read);
            if (n == 0) break;
            read += n;
        }
        return Encoding.UTF8.GetString(buffer, 0, read);
    }

    /// <summary>Our handle was renamed away or deleted since it was opened (its /proc/self/fd link changed).</summary>
    private bool Rotated() => HandlePath() is { } now && _openedAs is not null && !string.Equals(now, _openedAs, StringComparison.Ordinal);

    private string? HandlePath()
    {
        var fd = _stream!.SafeFileHandle.DangerousGetHandle().ToInt64();
        try { return new FileInfo($"/proc/self/fd/{fd}").LinkTarget; }
        catch (IOException) { return null; }
    }

    private bool TryOpen()
    {
        try
        {
            _stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            _openedAs = HandlePath();
            return true;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
    }

    public bool Exists => _stream is not null;

    public void Dispose() => _stream?.Dispose();
}
