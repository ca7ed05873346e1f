using System.Globalization;

namespace DeployOps.Engine.Cgroups;

/// <summary>Reads the one-number and key-value files of a cgroup folder.</summary>
internal static class CgroupFiles
{
    /// <summary>cgroup v1 writes "no limit" as the largest page-aligned counter (9223372036854771712); anything from
    /// 1 EiB up is no limit.</summary>
    public const long V1Unlimited = 1L << 60;

    /// <summary>A file holding one number; null when absent, "max" (no limit) or not a number.</summary>
    public static long? Number(string file)
    {
        try
        {
            return long.TryParse(File.ReadAllText(file).Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The line "key value" of a flat-keyed file (memory.stat); null when absent.</summary>
    public static long? Stat(string file, string key)
    {
        try
        {
            foreach (var line in File.ReadLines(file))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 2 && parts[0] == key && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var value)) return value;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
        return null;
    }

    /// <summary>The whole text of a small file, trimmed; null when absent.</summary>
    public static string? Text(string file)
    {
        try
        {
            return File.ReadAllText(file).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
