using System.Text.RegularExpressions;
using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Health.Logs;

/// <summary>One entry of <c>health.logs:</c>: a file to tail or a command whose output to follow, and what counts as an error line.</summary>
internal sealed class LogSettings
{
    /// <summary>Lines the runbooks call errors when no patterns are given.</summary>
    public const string DefaultPattern = @"(?i)\b(error|fatal|exception|panic|critical)\b";
    public static readonly TimeSpan DefaultBaselineWindow = TimeSpan.FromMinutes(10);
    public const int DefaultNewPatternMinCount = 2;

    public LogSettings(string? file, string? command, IReadOnlyList<Regex> patterns, TimeSpan baselineWindow, int newPatternMinCount = DefaultNewPatternMinCount)
    {
        File = file;
        Command = command;
        Patterns = patterns;
        BaselineWindow = baselineWindow;
        NewPatternMinCount = newPatternMinCount;
    }

    /// <summary>A log file, tailed from its end at the start of the watch (rotation and truncation followed).</summary>
    public string? File { get; }
    /// <summary>A command line (<c>journalctl -u shop -f -o short-iso</c>, <c>docker logs -f -t shop</c>) whose output is followed.</summary>
    public string? Command { get; }
    /// <summary>A line matching any of these is an error line.</summary>
    public IReadOnlyList<Regex> Patterns { get; }
    /// <summary>Error lines stamped within this window before the watch are the rate before the deployment.</summary>
    public TimeSpan BaselineWindow { get; }
    /// <summary>Occurrences after which an error not seen before the watch counts as a new pattern (one error alone is Healthy).</summary>
    public int NewPatternMinCount { get; }

    public string Describe => File is not null ? "log " + File : "log command '" + Command + "'";

    internal static IReadOnlyList<LogSettings> Read(ConfigMap health, string baseDirectory)
    {
        var result = new List<LogSettings>();
        foreach (var map in health.MapList("logs"))
        {
            var file = map.String("file");
            var command = map.String("command");
            if ((file is null) == (command is null)) map.ErrorHere("give file: (a log file) or command: (e.g. journalctl -u <unit> -f -o short-iso), one of them");
            if (file is { Length: 0 } || command is { Length: 0 }) map.ErrorHere("file:/command: must not be empty");
            var patterns = new List<Regex>();
            var texts = map.Has("patterns") ? map.StringList("patterns") : new[] { DefaultPattern };
            foreach (var text in texts)
            {
                try { patterns.Add(new Regex(text, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100))); }
                catch (ArgumentException ex) { map.Error("patterns", $"'{text}' is not a valid regular expression: {ex.Message}"); }
            }
            if (map.Has("patterns") && texts.Count == 0) map.Error("patterns", "give at least one pattern");
            var window = map.Duration("baselineWindow", DefaultBaselineWindow);
            var minCount = map.Int("newPatternMinCount", DefaultNewPatternMinCount, 1);
            map.Finish();
            if (file is not null && !Path.IsPathRooted(file)) file = Path.GetFullPath(Path.Combine(baseDirectory, file));
            result.Add(new LogSettings(file, command, patterns, window, minCount));
        }
        return result;
    }
}
