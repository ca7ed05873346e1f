using System.Globalization;
using System.Text.RegularExpressions;

namespace DeployOps.Engine.Configuration;

/// <summary>How a typed scalar parsed: a value, a spelling outside the grammar, or a number beyond the type's range.</summary>
internal enum ParseOutcome
{
    Parsed,
    Invalid,
    Overflow,
}

/// <summary>
/// Typed scalars of the configuration language: durations, sizes, percentages. The grammars are strict (ASCII digits,
/// no space between number and unit, case-sensitive duration units) so a value means one thing only; docs/configuration.md
/// states them.
/// </summary>
internal static partial class ValueParsers
{
    // [0-9], not \d: \d also matches Arabic-Indic and other digits, which decimal parsing would then reject or misread.
    [GeneratedRegex(@"^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)$", RegexOptions.CultureInvariant)]
    private static partial Regex DurationPattern();

    [GeneratedRegex(@"^(?:([0-9]+)\.)?([0-9]{1,2}):([0-5][0-9]):([0-5][0-9](?:\.[0-9]{1,7})?)$", RegexOptions.CultureInvariant)]
    private static partial Regex ClockPattern();

    [GeneratedRegex(@"^([0-9]+(?:\.[0-9]+)?)(b|kb|mb|gb|tb|kib|mib|gib|tib)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SizePattern();

    [GeneratedRegex(@"^([0-9]+(?:\.[0-9]+)?)%$", RegexOptions.CultureInvariant)]
    private static partial Regex PercentPattern();

    /// <summary>The spellings <see cref="TryParseDuration"/> accepts, for messages that refuse a value.</summary>
    public const string DurationForms = "500ms, 5s, 2m, 1h, 1d or hh:mm:ss (a lowercase unit right after the number is required: a bare number is ambiguous)";

    /// <summary>The spellings <see cref="TryParseSize"/> accepts, for messages that refuse a value.</summary>
    public const string SizeForms = "512MB, 10GB (decimal) or 512MiB (binary), or bytes as 100B (a unit right after the number is required)";

    /// <summary>The largest duration: <see cref="TimeSpan.MaxValue"/>, about 10,675,199 days.</summary>
    public const string DurationLimit = "10675199d (TimeSpan.MaxValue)";

    /// <summary>The largest size: 2^63-1 bytes (about 9.22 EB).</summary>
    public const string SizeLimit = "2^63-1 bytes (about 9223372TB)";

    /// <summary>
    /// Parses <c>500ms</c>, <c>5s</c>, <c>2m</c>, <c>1h</c>, <c>7d</c> and the clock form <c>hh:mm:ss</c> (also
    /// <c>d.hh:mm:ss</c>, <c>hh:mm:ss.fff</c>). A unit is required: a bare number is ambiguous. The configuration
    /// language and every cmdlet duration parameter use this one parser. False for a value it cannot represent too.
    /// </summary>
    public static bool TryParseDuration(string? text, out TimeSpan value) => ParseDuration(text, out value) == ParseOutcome.Parsed;

    /// <summary>Like <see cref="TryParseDuration"/>, telling a spelling error from a value above <see cref="TimeSpan.MaxValue"/>.</summary>
    public static ParseOutcome ParseDuration(string? text, out TimeSpan value)
    {
        value = default;
        if (text is null) return ParseOutcome.Invalid;
        var clock = ClockPattern().Match(text);
        if (clock.Success)
        {
            var hours = int.Parse(clock.Groups[2].Value, CultureInfo.InvariantCulture);
            if (hours > 23 && clock.Groups[1].Success) return ParseOutcome.Invalid;
            if (!TryDecimal(clock.Groups[1].Success ? clock.Groups[1].Value : "0", out var days) || days > TimeSpan.MaxValue.Days)
                return ParseOutcome.Overflow;
            var seconds = decimal.Parse(clock.Groups[4].Value, CultureInfo.InvariantCulture)
                + 60m * (int.Parse(clock.Groups[3].Value, CultureInfo.InvariantCulture) + 60m * (hours + 24m * days));
            return ToTicks(seconds, TimeSpan.TicksPerSecond, out value);
        }
        var m = DurationPattern().Match(text);
        if (!m.Success) return ParseOutcome.Invalid;
        if (!TryDecimal(m.Groups[1].Value, out var n)) return ParseOutcome.Overflow;
        long unit = m.Groups[2].Value switch
        {
            "ms" => TimeSpan.TicksPerMillisecond,
            "s" => TimeSpan.TicksPerSecond,
            "m" => TimeSpan.TicksPerMinute,
            "h" => TimeSpan.TicksPerHour,
            _ => TimeSpan.TicksPerDay,
        };
        return ToTicks(n, unit, out value);
    }

    /// <summary>Parses sizes in bytes. KB/MB/GB/TB are decimal (as disk vendors and df -H count); KiB… are binary.</summary>
    public static bool TryParseSize(string text, out long bytes) => ParseSize(text, out bytes) == ParseOutcome.Parsed;

    /// <summary>Like <see cref="TryParseSize"/>, telling a spelling error from a size above 2^63-1 bytes.</summary>
    public static ParseOutcome ParseSize(string text, out long bytes)
    {
        bytes = 0;
        var m = SizePattern().Match(text);
        if (!m.Success) return ParseOutcome.Invalid;
        if (!TryDecimal(m.Groups[1].Value, out var n)) return ParseOutcome.Overflow;
        decimal factor = m.Groups[2].Value.ToLowerInvariant() switch
        {
            "b" => 1m,
            "kb" => 1e3m,
            "mb" => 1e6m,
            "gb" => 1e9m,
            "tb" => 1e12m,
            "kib" => 1024m,
            "mib" => 1024m * 1024,
            "gib" => 1024m * 1024 * 1024,
            _ => 1024m * 1024 * 1024 * 1024,
        };
        // n < 7.9e28 and factor ≤ 1.1e12: check before multiplying so decimal itself cannot overflow.
        if (n > long.MaxValue / factor) return ParseOutcome.Overflow;
        bytes = (long)Math.Round(n * factor, MidpointRounding.AwayFromZero);
        return ParseOutcome.Parsed;
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

    /// <summary>False when the digits exceed decimal's range (about 7.9e28), which is far above every limit anyway.</summary>
    private static bool TryDecimal(string digits, out decimal value) =>
        decimal.TryParse(digits, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value);

    private static ParseOutcome ToTicks(decimal count, long ticksPerUnit, out TimeSpan value)
    {
        value = default;
        // Compared before multiplying: count × ticksPerUnit could exceed decimal's own range and throw.
        if (count > (decimal)long.MaxValue / ticksPerUnit) return ParseOutcome.Overflow;
        var ticks = Math.Round(count * ticksPerUnit, MidpointRounding.AwayFromZero);
        if (ticks > long.MaxValue) return ParseOutcome.Overflow;
        value = TimeSpan.FromTicks((long)ticks);
        return ParseOutcome.Parsed;
    }
}
