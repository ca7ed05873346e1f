namespace DeployOps.Engine;

/// <summary>How durations read in every message and view ("850ms", "12.5s", "3m", "2h"): one implementation.</summary>
public static class DisplayFormat
{
    /// <summary>A duration as the views show it: "850ms" below a second, "12.5s" below two minutes, "3m" below two
    /// hours, then "2h".</summary>
    public static string Duration(TimeSpan d) =>
        d.TotalMilliseconds < 1000 ? $"{d.TotalMilliseconds:0}ms"
        : d.TotalSeconds < 120 ? $"{d.TotalSeconds:0.##}s"
        : d.TotalMinutes < 120 ? $"{d.TotalMinutes:0.##}m"
        : $"{d.TotalHours:0.##}h";

    /// <summary>
    /// An offset on the monitoring timeline as the views show it: "T+850ms", "T+12.5s", "T+1m05s", "T+2h03m"
    /// (whole seconds from a minute on, whole minutes from an hour on; at most 8 characters below 100 hours).
    /// </summary>
    public static string Offset(TimeSpan d)
    {
        if (d < TimeSpan.Zero) return "T-" + Offset(d.Negate())[2..];
        if (d.TotalSeconds < 1) return $"T+{d.TotalMilliseconds:0}ms";
        if (d.TotalSeconds < 60) return $"T+{Math.Floor(d.TotalSeconds * 10) / 10:0.#}s";
        if (d.TotalMinutes < 60) return $"T+{(int)d.TotalMinutes}m{d.Seconds:00}s";
        return $"T+{(int)d.TotalHours}h{d.Minutes:00}m";
    }
}
