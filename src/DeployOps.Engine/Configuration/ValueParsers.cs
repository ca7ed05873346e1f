using System.Globalization;
using System.Text.RegularExpressions;

namespace DeployOps.Engine.Configuration;

/// <summary>Typed scalars of the configuration language: durations, sizes, percentages.</summary>
public static partial class ValueParsers
{
    [GeneratedRegex(@"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex DurationPattern();

    [GeneratedRegex(@"^\s*(?:(\d+)\.)?(\d{1,2}):([0-5]\d):([0-5]\d(?:\.\d{1,7})?)\s*$")]
    private static partial Regex ClockPattern();

    [GeneratedRegex(@"^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb|kib|mib|gib|tib)?\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex SizePattern();

    [GeneratedRegex(@"^\s*(\d+(?:\.\d+)?)\s*%\s*$")]
    private static partial Regex PercentPattern();

    /// <summary>The spellings <see cref="TryParseDuration"/> accepts, for messages that refuse a value.</summary>
    public const string DurationForms = "500ms, 5s, 2m, 1h, 1d or hh:mm:ss (a unit is required: a bare number is ambiguous)";

    /// <summary>
    /// Parses <c>500ms</c>, <c>5s</c>, <c>2m</c>, <c>1h</c>, <c>7d</c> and the clock form <c>hh:mm:ss</c> (also
    /// <c>d.hh:mm:ss</c>, <c>hh:mm:ss.fff</c>). A unit is required: a bare number is ambiguous. The configuration
    /// language and every cmdlet duration parameter use this one parser.
    /// </summary>
    public static bool TryParseDuration(string? text, out TimeSpan value)
    {
        value = default;
        if (text is null) return false;
        var clock = ClockPattern().Match(text);
        if (clock.Success)
        {
            var days = clock.Groups[1].Success ? int.Parse(clock.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
            var hours = int.Parse(clock.Groups[2].Value, CultureInfo.InvariantCulture);
            var minutes = int.Parse(clock.Groups[3].Value, CultureInfo.InvariantCulture);
            var seconds = double.Parse(clock.Groups[4].Value, CultureInfo.InvariantCulture);
            if (hours > 23 && clock.Groups[1].Success) return false;
            value = new TimeSpan(days, hours, minutes, 0) + TimeSpan.FromTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond));
            return true;
        }
        var m = DurationPattern().Match(text);
        if (!m.Success) return false;
        var n = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        value = m.Groups[2].Value.ToLowerInvariant() switch
        {
            "ms" => TimeSpan.FromMilliseconds(n),
            "s" => TimeSpan.FromSeconds(n),
            "m" => TimeSpan.FromMinutes(n),
            "h" => TimeSpan.FromHours(n),
            _ => TimeSpan.FromDays(n),
        };
        return true;
    }

    /// <summary>Parses sizes in bytes. KB/MB/GB/TB are decimal (as disk vendors and df -H count); KiB… are binary.</summary>
    public static bool TryParseSize(string text, out long bytes)
    {
        bytes = 0;
        var m = SizePattern().Match(text);
        if (!m.Success) return false;
        var n = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        double factor = m.Groups[2].Value.ToLowerInvariant() switch
        {
            "" or "b" => 1,
            "kb" => 1e3,
            "mb" => 1e6,
            "gb" => 1e9,
            "tb" => 1e12,
            "kib" => 1024d,
            "mib" => 1024d * 1024,
            "gib" => 1024d * 1024 * 1024,
            _ => 1024d * 1024 * 1024 * 1024,
        };
        bytes = (long)Math.Round(n * factor);
        return true;
    }

    /// <summary>Parses <c>5%</c> into 5.0 (percent units).</summary>
    public static bool TryParsePercent(string text, out double percent)
    {
        percent = 0;
        var m = PercentPattern().Match(text);
        if (!m.Success) return false;
        percent = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return true;
    }

    public static string FormatDuration(TimeSpan d) => DisplayFormat.Duration(d);

    public static string FormatSize(long bytes) =>
        bytes >= 1_000_000_000_000 ? $"{bytes / 1e12:0.##} TB"
        : bytes >= 1_000_000_000 ? $"{bytes / 1e9:0.##} GB"
        : bytes >= 1_000_000 ? $"{bytes / 1e6:0.##} MB"
        : bytes >= 1_000 ? $"{bytes / 1e3:0.##} KB"
        : $"{bytes} B";
}
