using System.Globalization;
using System.Text.RegularExpressions;

namespace DeployOps.Engine.Configuration;

/// <summary>Typed scalars of the configuration language: durations, sizes, percentages.</summary>
public static partial class ValueParsers
{
    [GeneratedRegex(@"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex DurationPattern();

    [GeneratedRegex(@"^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb|kib|mib|gib|tib)?\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex SizePattern();

    [GeneratedRegex(@"^\s*(\d+(?:\.\d+)?)\s*%\s*$")]
    private static partial Regex PercentPattern();

    /// <summary>Parses <c>500ms</c>, <c>5s</c>, <c>2m</c>, <c>1h</c>, <c>7d</c>. A unit is required: a bare number is ambiguous.</summary>
    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        value = default;
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
