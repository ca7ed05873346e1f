using System.Globalization;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Configuration;

/// <summary>
/// The <c>freeze:</c> section: change-freeze windows in which Invoke-Deployment is refused (DeploymentFrozen) unless
/// it is given -OverrideFreeze with a -Reason (and, with <c>freeze.approvers</c>, -ApprovedBy one of them).
/// Rollbacks are never frozen: undoing a change is always allowed.
/// </summary>
internal sealed class FreezeSettings
{
    public static FreezeSettings None { get; } = new();

    public IReadOnlyList<FreezeWindow> Windows { get; private init; } = Array.Empty<FreezeWindow>();
    /// <summary>Who may let a deployment through a freeze; empty: anyone with a reason.</summary>
    public IReadOnlyList<string> Approvers { get; private init; } = Array.Empty<string>();

    /// <summary>The first window that holds at <paramref name="utcNow"/>, or null.</summary>
    public FreezeWindow? ActiveAt(DateTimeOffset utcNow) => Windows.FirstOrDefault(w => w.Contains(utcNow));

    internal static FreezeSettings Read(ConfigMap? map)
    {
        if (map is null) return None;
        var windows = new List<FreezeWindow>();
        foreach (var entry in map.MapList("windows"))
            if (FreezeWindow.Read(entry) is { } window) windows.Add(window);
        var settings = new FreezeSettings { Windows = windows, Approvers = map.StringList("approvers") };
        map.Finish();
        return settings;
    }

    /// <summary>Refuses a deployment inside a window unless the override is complete; returns the window overridden.</summary>
    public FreezeWindow? Check(ConfigModel config, DateTimeOffset utcNow, bool overrideFreeze, string? reason, string? approvedBy)
    {
        var window = ActiveAt(utcNow);
        if (window is null) return null;
        var during = $"{config.Application}/{config.Environment} is in the change freeze '{window.Name}' ({window.Describe()})";
        if (!overrideFreeze)
            throw new DeployOpsException(ErrorIds.DeploymentFrozen, ErrorKind.InvalidOperation,
                $"{during}. Deploy after it, or let an emergency fix through with -OverrideFreeze -Reason '…'" +
                (Approvers.Count > 0 ? " -ApprovedBy <one of freeze.approvers>." : "."), window.Name);
        if (string.IsNullOrWhiteSpace(reason))
            throw new DeployOpsException(ErrorIds.DeploymentFrozen, ErrorKind.InvalidArgument,
                $"{during}: -OverrideFreeze needs -Reason saying why this cannot wait.", window.Name);
        if (Approvers.Count > 0 && !Approvers.Contains(approvedBy ?? "", StringComparer.OrdinalIgnoreCase))
            throw new DeployOpsException(ErrorIds.DeploymentFrozen, ErrorKind.PermissionDenied,
                $"{during}: -OverrideFreeze needs -ApprovedBy naming one of freeze.approvers ({string.Join(", ", Approvers)})" +
                (string.IsNullOrEmpty(approvedBy) ? "." : $"; '{approvedBy}' is not one of them."), window.Name);
        return window;
    }
}

/// <summary>One freeze window: a date range, or a weekly recurring span (Friday 16:00 – Monday 08:00), in a time zone.</summary>
internal sealed class FreezeWindow
{
    private static readonly string[] Days = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };
    private const int MinutesPerWeek = 7 * 24 * 60;

    public required string Name { get; init; }
    public required TimeZoneInfo TimeZone { get; init; }
    /// <summary>Date range (local to <see cref="TimeZone"/>): from inclusive, to exclusive.</summary>
    public DateTime? From { get; init; }
    public DateTime? To { get; init; }
    /// <summary>Weekly span in minutes since Sunday 00:00 local; may wrap past Saturday.</summary>
    public int? WeeklyFrom { get; init; }
    public int? WeeklyTo { get; init; }

    public bool Contains(DateTimeOffset utcNow)
    {
        var local = TimeZoneInfo.ConvertTime(utcNow, TimeZone).DateTime;
        if (From is { } from && To is { } to) return local >= from && local < to;
        var minute = (int)local.DayOfWeek * 24 * 60 + local.Hour * 60 + local.Minute;
        var (start, end) = (WeeklyFrom!.Value, WeeklyTo!.Value);
        return start <= end ? minute >= start && minute < end : minute >= start || minute < end;
    }

    public string Describe() => From is not null
        ? $"{From:yyyy-MM-dd HH:mm} – {To:yyyy-MM-dd HH:mm} {TimeZone.Id}"
        : $"weekly {Weekday(WeeklyFrom!.Value)} – {Weekday(WeeklyTo!.Value)} {TimeZone.Id}";

    private static string Weekday(int minute) =>
        $"{CultureInfo.InvariantCulture.TextInfo.ToTitleCase(Days[minute / 1440])} {minute % 1440 / 60:00}:{minute % 60:00}";

    internal static FreezeWindow? Read(ConfigMap map)
    {
        var name = map.RequiredString("name");
        var zoneId = map.String("timeZone", "UTC");
        TimeZoneInfo zone = TimeZoneInfo.Utc;
        try { zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId); }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            map.Error("timeZone", $"unknown time zone '{zoneId}'; use an IANA name such as Europe/Berlin or UTC");
        }
        var weekly = map.Map("weekly");
        if (weekly is not null)
        {
            var wFrom = Weekly(weekly, "from");
            var wTo = Weekly(weekly, "to");
            weekly.Finish();
            map.Finish();
            return wFrom is null || wTo is null || name.Length == 0 ? null
                : new FreezeWindow { Name = name, TimeZone = zone, WeeklyFrom = wFrom, WeeklyTo = wTo };
        }
        var from = Date(map, "from");
        var to = Date(map, "to");
        if (from is not null && to is not null && to <= from) map.Error("to", "must be after from");
        if (!map.Has("from") && !map.Has("to")) map.ErrorHere("a freeze window needs from and to (dates), or weekly: { from, to }");
        map.Finish();
        return from is null || to is null || to <= from || name.Length == 0 ? null
            : new FreezeWindow { Name = name, TimeZone = zone, From = from, To = to };
    }

    private static DateTime? Date(ConfigMap map, string key)
    {
        if (!map.Has(key)) { map.Error(key, "is required"); return null; }
        var text = map.String(key) ?? "";
        string[] formats = { "yyyy-MM-dd", "yyyy-MM-dd HH:mm", "yyyy-MM-ddTHH:mm", "yyyy-MM-ddTHH:mm:ss" };
        if (DateTime.TryParseExact(text, formats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var value)) return value;
        map.Error(key, $"expected a local date or date-time (2026-12-20 or 2026-12-20 18:00), got '{text}'");
        return null;
    }

    /// <summary>"Fri 16:00" → minutes since Sunday 00:00.</summary>
    private static int? Weekly(ConfigMap map, string key)
    {
        if (!map.Has(key)) { map.Error(key, "is required (e.g. Fri 16:00)"); return null; }
        var text = (map.String(key) ?? "").Trim();
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var day = parts.Length == 2 ? Array.IndexOf(Days, parts[0].ToLowerInvariant()[..Math.Min(3, parts[0].Length)]) : -1;
        if (day >= 0 && TimeOnly.TryParseExact(parts[1], "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
            return day * 1440 + time.Hour * 60 + time.Minute;
        map.Error(key, $"expected a weekday and a time such as 'Fri 16:00', got '{text}'");
        return null;
    }
}
