using System.Globalization;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Processes;
using DeployOps.Engine.Timing;

namespace DeployOps.Engine.State;

/// <summary>What <see cref="LeftoverProcesses.EndAsync"/> found, for the LeftoversChecked journal event.</summary>
internal sealed record LeftoversReport(string Summary, IReadOnlyDictionary<string, string> Data);

/// <summary>
/// Finds the step processes a crashed deployment left running and ends them: TERM to the process group, KILL after
/// the grace period. The supervisor normally ends them itself when its lifeline closes; this is the check that
/// nothing survived it (a TERM-ignoring step within the grace, a supervisor killed with the group still alive).
/// A recorded group counts only while a member is verifiably the deployment's: same boot, started no earlier
/// than the recorded process, and (where /proc lets us read it) carrying DEPLOYOPS_DEPLOYMENT_ID of that deployment.
/// A group id is not reused while any member lives, so one verified member makes the whole group the dead one's.
/// </summary>
internal static class LeftoverProcesses
{
    /// <summary>Set in every step's environment: marks its processes as the deployment's in /proc/&lt;pid&gt;/environ.</summary>
    public const string DeploymentVariable = "DEPLOYOPS_DEPLOYMENT_ID";
    /// <summary>Crashed deployments looked at, newest first: older ones were checked by the deployments since.</summary>
    private const int RecentInterrupted = 10;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(5);

    internal static class Keys
    {
        public const string Pid = "pid";
        public const string Pgid = "pgid";
        public const string StartTicks = "startTicks";
        public const string BootId = "bootId";
        public const string Host = "host";
        public const string ExitCode = "exitCode";
    }

    public static Dictionary<string, string> Describe(ChildProcessStarted started) => new()
    {
        [Keys.Pid] = started.ProcessId.ToString(CultureInfo.InvariantCulture),
        [Keys.Pgid] = started.ProcessGroupId.ToString(CultureInfo.InvariantCulture),
        [Keys.StartTicks] = started.StartTicks.ToString(CultureInfo.InvariantCulture),
        [Keys.BootId] = started.BootId,
        [Keys.Host] = OperatorIdentity.Current.Host,
    };

    private sealed record Leftover(string DeploymentId, string Step, int Pgid, int Members);

    /// <summary>
    /// Ends the live step groups of crashed deployments (and of <paramref name="currentId"/>'s own earlier run). Null when
    /// no crashed deployment has a step process that was never journaled as ended: nothing to check, nothing to journal.
    /// </summary>
    public static async Task<LeftoversReport?> EndAsync(IDeploymentStore store, string currentId, TimeProvider clock, CancellationToken ct)
    {
        var ids = (await store.FindInterruptedAsync(ct).ConfigureAwait(false)).Take(RecentInterrupted).Select(r => r.Id).ToList();
        if (!ids.Contains(currentId)) ids.Add(currentId);
        var found = new List<Leftover>();
        var elsewhere = new List<string>();
        var open = 0;
        foreach (var id in ids)
        {
            foreach (var started in OpenProcesses(await ReadJournalAsync(store, id, ct).ConfigureAwait(false)))
            {
                open++;
                if (!string.Equals(Get(started, Keys.Host), OperatorIdentity.Current.Host, StringComparison.OrdinalIgnoreCase))
                {
                    elsewhere.Add($"{id} {started.Step} pgid {Get(started, Keys.Pgid)} on {Get(started, Keys.Host)}");
                    continue;
                }
                if (Verified(id, started) is { } leftover) found.Add(leftover);
            }
        }
        if (open == 0) return null;
        foreach (var l in found) ProcessGroup.Signal(l.Pgid, ProcessGroup.SigTerm);
        var survivors = await WaitGoneAsync(found, StepSupervisor.Grace, clock, ct).ConfigureAwait(false);
        foreach (var l in survivors) ProcessGroup.Signal(l.Pgid, ProcessGroup.SigKill);
        var unkillable = await WaitGoneAsync(survivors, KillWait, clock, ct).ConfigureAwait(false);

        var data = new Dictionary<string, string>
        {
            ["checked"] = string.Join(",", ids),
            ["found"] = found.Sum(l => l.Members).ToString(CultureInfo.InvariantCulture),
            ["ended"] = string.Join(",", found.Except(unkillable).Select(l => $"{l.DeploymentId}:{l.Pgid}")),
            ["killed"] = string.Join(",", survivors.Except(unkillable).Select(l => $"{l.DeploymentId}:{l.Pgid}")),
        };
        if (unkillable.Count > 0) data["stillRunning"] = string.Join(",", unkillable.Select(l => $"{l.DeploymentId}:{l.Pgid}"));
        if (elsewhere.Count > 0) data["otherHosts"] = string.Join("; ", elsewhere);
        var summary = found.Count == 0
            ? $"no process of a crashed deployment was running (checked {ids.Count} deployment(s))"
            : "ended what crashed deployments left running: " + string.Join("; ",
                found.Select(l => $"{l.Step} of {l.DeploymentId} (group {l.Pgid}, {l.Members} process(es){(survivors.Contains(l) ? ", needed KILL" : "")})"));
        if (unkillable.Count > 0)
            throw new DeployOpsException(ErrorIds.DeploymentLocked, ErrorKind.ResourceBusy,
                $"Processes of a crashed deployment are still running after SIGKILL: {string.Join(", ", unkillable.Select(l => $"group {l.Pgid} of {l.DeploymentId}"))}; " +
                "end them before deploying again.", unkillable[0].DeploymentId);
        return new LeftoversReport(summary, data);
    }

    /// <summary>The journal, or none for a deployment that has no journal yet (the current one in some stores).</summary>
    private static async Task<IReadOnlyList<JournalEvent>> ReadJournalAsync(IDeploymentStore store, string id, CancellationToken ct)
    {
        try { return await store.ReadJournalAsync(id, ct).ConfigureAwait(false); }
        catch (DeployOpsException ex) when (ex.ErrorId == ErrorIds.DeploymentNotFound) { return Array.Empty<JournalEvent>(); }
    }

    /// <summary>ProcessStarted events without a ProcessEnded for the same group.</summary>
    private static IEnumerable<JournalEvent> OpenProcesses(IReadOnlyList<JournalEvent> journal)
    {
        var ended = journal.Where(e => e.Kind == JournalEventKind.ProcessEnded).Select(e => Get(e, Keys.Pgid)).ToHashSet(StringComparer.Ordinal);
        return journal.Where(e => e.Kind == JournalEventKind.ProcessStarted && !ended.Contains(Get(e, Keys.Pgid)));
    }

    private static Leftover? Verified(string deploymentId, JournalEvent started)
    {
        if (!int.TryParse(Get(started, Keys.Pgid), NumberStyles.None, CultureInfo.InvariantCulture, out var pgid) || pgid <= 1) return null;
        if (Get(started, Keys.BootId) != ProcessGroup.BootId()) return null; // the host rebooted since: nothing of it lives
        _ = long.TryParse(Get(started, Keys.StartTicks), NumberStyles.None, CultureInfo.InvariantCulture, out var startTicks);
        var marker = $"{DeploymentVariable}={deploymentId}";
        var members = ProcessGroup.Members(pgid)
            .Count(m => m.StartTicks >= startTicks && ProcessGroup.EnvironmentContains(m.Pid, marker) != false);
        return members == 0 ? null : new Leftover(deploymentId, started.Step ?? "step", pgid, members);
    }

    private static async Task<List<Leftover>> WaitGoneAsync(IReadOnlyList<Leftover> groups, TimeSpan limit, TimeProvider clock, CancellationToken ct)
    {
        var alive = groups.ToList();
        await Poll.UntilAsync(_ =>
        {
            alive.RemoveAll(l => ProcessGroup.Members(l.Pgid).Count == 0);
            return Task.FromResult(alive.Count == 0 ? alive : null);
        }, limit, PollInterval, clock, ct).ConfigureAwait(false);
        return alive;
    }

    private static string Get(JournalEvent e, string key) => e.Data.TryGetValue(key, out var v) ? v : "";
}
