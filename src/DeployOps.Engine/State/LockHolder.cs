using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.State;

/// <summary>What a lock holder writes about itself so that others can name it (file: JSON; PostgreSQL: a row).</summary>
internal sealed record LockHolder(string Application, string Environment, string DeploymentId, string Owner,
    string Host, int Pid, DateTimeOffset? ProcessStart, DateTimeOffset Acquired)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    public static LockHolder ForMe(string application, string environment, string deploymentId)
    {
        var me = OperatorIdentity.Current;
        return new LockHolder(application, environment, deploymentId, me.User, me.Host, me.ProcessId,
            ProcessLiveness.StartTime(me.ProcessId), DateTimeOffset.UtcNow);
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static LockHolder? FromJson(string text)
    {
        try { return JsonSerializer.Deserialize<LockHolder>(text, Json); }
        catch (JsonException) { return null; } // half-written by a dying holder: treat as unknown
    }

    public LockInfo ToInfo(string location, TimeSpan ttl) =>
        new(Application, Environment, DeploymentId, Owner, Host, Pid, Acquired, location, StaleReason(ttl));

    /// <summary>Why the holder is provably gone, or null: a dead process on this host, or an age past the TTL.</summary>
    public string? StaleReason(TimeSpan ttl)
    {
        if (string.Equals(Host, System.Environment.MachineName, StringComparison.OrdinalIgnoreCase) && !ProcessLiveness.IsAlive(Pid, ProcessStart))
            return $"process {Pid} no longer runs on {Host}";
        var age = DateTimeOffset.UtcNow - Acquired;
        if (age > ttl)
            return $"held for {Format(age)}, longer than lockTtl {Format(ttl)}";
        return null;
    }

    private static string Format(TimeSpan t) =>
        t.TotalHours >= 1 ? t.TotalHours.ToString("0.#", CultureInfo.InvariantCulture) + "h"
        : t.TotalMinutes >= 1 ? t.TotalMinutes.ToString("0.#", CultureInfo.InvariantCulture) + "m"
        : t.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + "s";
}

/// <summary>Whether a process on this host still runs, guarding against a recycled pid by its start time.</summary>
internal static class ProcessLiveness
{
    public static bool IsAlive(int pid, DateTimeOffset? expectedStart)
    {
        if (pid <= 0) return false;
        if (OperatingSystem.IsLinux() && IsZombie(pid)) return false;
        var start = StartTime(pid, out var exists);
        if (!exists) return false;
        // A different start time means the pid was recycled by an unrelated process.
        return expectedStart is null || start is null || Math.Abs((start.Value - expectedStart.Value).TotalSeconds) < 2;
    }

    public static DateTimeOffset? StartTime(int pid) => StartTime(pid, out _);

    private static DateTimeOffset? StartTime(int pid, out bool exists)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            exists = !process.HasExited;
            try { return new DateTimeOffset(process.StartTime.ToUniversalTime(), TimeSpan.Zero); }
            catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
            {
                return null;
            }
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            exists = false;
            return null;
        }
    }

    private static bool IsZombie(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var close = stat.LastIndexOf(')');
            return close > 0 && close + 2 < stat.Length && stat[close + 2] == 'Z';
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }
}
