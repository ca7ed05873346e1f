using System.Text;

namespace DeployOps.Engine.Processes;

/// <summary>
/// Lines of a child's stdout and stderr, interleaved, kept bounded: the last <see cref="MaxChars"/> characters of
/// output, the last N lines for messages, and each line cut at <see cref="MaxLineChars"/>. A child that prints
/// gigabytes, or one endless line, costs us a few hundred kilobytes.
/// </summary>
internal sealed class OutputCapture
{
    public const int MaxChars = 256 * 1024;
    public const int MaxLineChars = 8 * 1024;

    private readonly int _tailLines;
    private readonly Action<string>? _onLine;
    private readonly StringBuilder _output = new();
    private readonly Queue<string> _tail = new();
    private readonly string _prefix;

    public OutputCapture(int tailLines, Action<string>? onLine, string prefix = "")
    {
        _tailLines = Math.Max(1, tailLines);
        _onLine = onLine;
        _prefix = prefix;
    }

    /// <summary>Reads <paramref name="stream"/> to its end, line by line (bytes read in chunks, never a whole line at once).</summary>
    public async Task ReadAsync(Stream stream)
    {
        var decoder = new UTF8Encoding(false).GetDecoder();
        var bytes = new byte[8192];
        var chars = new char[8192 + 16];
        var line = new StringBuilder();
        var cut = false;
        int read;
        while ((read = await stream.ReadAsync(bytes).ConfigureAwait(false)) > 0)
        {
            var count = decoder.GetChars(bytes, 0, read, chars, 0);
            for (var i = 0; i < count; i++)
            {
                var c = chars[i];
                if (c == '\n')
                {
                    Add(line, cut);
                    line.Clear();
                    cut = false;
                }
                else if (line.Length < MaxLineChars) line.Append(c);
                else cut = true;
            }
        }
        if (line.Length > 0) Add(line, cut);
    }

    private void Add(StringBuilder line, bool cut)
    {
        if (line.Length > 0 && line[^1] == '\r') line.Length--;
        var text = _prefix + line + (cut ? " …(line cut)" : "");
        lock (_output)
        {
            _output.Append(text).Append('\n');
            if (_output.Length > MaxChars) _output.Remove(0, _output.Length - MaxChars);
            _tail.Enqueue(text);
            while (_tail.Count > _tailLines) _tail.Dequeue();
        }
        _onLine?.Invoke(text);
    }

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public IReadOnlyList<string> Tail
    {
        get { lock (_output) return _tail.ToList(); }
    }
}
