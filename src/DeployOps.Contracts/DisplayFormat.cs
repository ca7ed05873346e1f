namespace DeployOps.Engine;

/// <summary>How durations read in every message and view ("850ms", "12.5s", "3m", "2h"): one implementation.</summary>
public static class DisplayFormat
{
    public static string Duration(TimeSpan d) =>
        d.TotalMilliseconds < 1000 ? $"{d.TotalMilliseconds:0}ms"
        : d.TotalSeconds < 120 ? $"{d.TotalSeconds:0.##}s"
        : d.TotalMinutes < 120 ? $"{d.TotalMinutes:0.##}m"
        : $"{d.TotalHours:0.##}h";
}
