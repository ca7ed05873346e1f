using System.Globalization;
using System.Text.RegularExpressions;

namespace DeployOps.Engine.Health.Logs;

/// <summary>
/// Counts error lines and their patterns, apart from where the lines come from. Lines before the watch (by their
/// timestamp, or read before it began) are the baseline: their patterns are known and those stamped within the
/// baseline window give the rate before. Lines after are counted per sample; an error whose pattern (the line with
/// its timestamp, numbers, ids and addresses blanked) was not known is a new pattern once seen often enough.
/// </summary>
internal sealed partial class LogLineCounter
{
    private const int MaxKnownPatterns = 10_000;
    private readonly LogSettings _settings;
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _new = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private int _sinceLastSample;
    private int _baselineCount;
    private bool _baselineStamped;

    public LogLineCounter(LogSettings settings) => _settings = settings;

    [GeneratedRegex(@"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?", RegexOptions.CultureInvariant)]
    private static partial Regex Timestamp();

    [GeneratedRegex(@"0x[0-9a-fA-F]+|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|\d+", RegexOptions.CultureInvariant)]
    private static partial Regex Variable();

    /// <summary>The line's timestamp (ISO 8601 near its start: journalctl -o short-iso, docker logs -t, most loggers); UTC unless it says.</summary>
    public static DateTimeOffset? StampOf(string line)
    {
        var match = Timestamp().Match(line.Length > 80 ? line[..80] : line);
        if (!match.Success) return null;
        var text = match.Value.Replace(',', '.');
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var stamp) ? stamp : null;
    }

    /// <summary>What makes two error lines "the same error": the line without its timestamp, numbers and ids.</summary>
    public static string PatternOf(string line)
    {
        var text = Variable().Replace(Timestamp().Replace(line, ""), "#");
        text = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return text.Length > 160 ? text[..160] : text;
    }

    public bool IsError(string line) => _settings.Patterns.Any(p => p.IsMatch(line));

    /// <summary>A line from before the watch (<paramref name="watchStart"/>): its pattern is known; within the window it counts for the rate before.</summary>
    public void Before(string line, DateTimeOffset watchStart)
    {
        var stamp = StampOf(line);
        lock (_gate)
        {
            _baselineStamped |= stamp is not null;
            if (!IsError(line)) return;
            if (_known.Count < MaxKnownPatterns) _known.Add(PatternOf(line));
            if (stamp > watchStart - _settings.BaselineWindow && stamp <= watchStart) _baselineCount++;
        }
    }

    /// <summary>
    /// A line of a command's output seen since the watch began; one stamped in an earlier second than the start (the
    /// command's history) is baseline. Logs often stamp whole seconds, so a line stamped in the start's own second
    /// may have been written after it and counts as new.
    /// </summary>
    public void Line(string line, DateTimeOffset watchStart)
    {
        var startSecond = watchStart.AddTicks(-(watchStart.UtcTicks % TimeSpan.TicksPerSecond));
        if (StampOf(line) is { } stamp && stamp < startSecond) { Before(line, watchStart); return; }
        New(line);
    }

    /// <summary>A line known to be written since the watch began (appended to a followed file after its start).</summary>
    public void New(string line)
    {
        if (!IsError(line)) return;
        var pattern = PatternOf(line);
        lock (_gate)
        {
            _sinceLastSample++;
            if (!_known.Contains(pattern)) _new[pattern] = _new.GetValueOrDefault(pattern) + 1;
        }
    }

    /// <summary>Error lines since the previous call.</summary>
    public int TakeCount()
    {
        lock (_gate)
        {
            var count = _sinceLastSample;
            _sinceLastSample = 0;
            return count;
        }
    }

    /// <summary>Patterns not seen before the watch that occurred at least <see cref="LogSettings.NewPatternMinCount"/> times since.</summary>
    public IReadOnlyList<string> NewPatterns()
    {
        lock (_gate) return _new.Where(p => p.Value >= _settings.NewPatternMinCount).Select(p => p.Key).OrderBy(p => p, StringComparer.Ordinal).ToList();
    }

    /// <summary>Error lines per minute before the watch, or null when no line before it carried a timestamp to place it in time.</summary>
    public double? RateBefore()
    {
        lock (_gate) return _baselineStamped ? _baselineCount / _settings.BaselineWindow.TotalMinutes : null;
    }
}
