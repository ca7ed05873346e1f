using System.Globalization;
using DeployOps.Engine.Processes;

namespace DeployOps.Engine.State;

internal sealed partial class DeploymentTracker
{
    /// <summary>Journals a process a step started, durable before the step's output is awaited.</summary>
    internal Task ProcessStartedAsync(string phase, string step, ChildProcessStarted started) =>
        AppendAsync(new JournalEvent(JournalEventKind.ProcessStarted, phase, step, data: LeftoverProcesses.Describe(started)), CancellationToken.None);

    internal Task ProcessEndedAsync(string phase, string step, ChildProcessStarted started, ChildProcessResult result) =>
        AppendAsync(new JournalEvent(JournalEventKind.ProcessEnded, phase, step, data: new Dictionary<string, string>
        {
            [LeftoverProcesses.Keys.Pid] = started.ProcessId.ToString(CultureInfo.InvariantCulture),
            [LeftoverProcesses.Keys.Pgid] = started.ProcessGroupId.ToString(CultureInfo.InvariantCulture),
            [LeftoverProcesses.Keys.ExitCode] = result.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "timeout",
        }), CancellationToken.None);

    /// <summary>
    /// Ends what crashed deployments of this application/environment left running (their steps' process groups) and
    /// journals what was found (LeftoversChecked, only when a crashed deployment had a step process not journaled as ended), so this deployment's steps never run beside a dead one's. Called under the lock.
    /// </summary>
    private async Task EndLeftoversAsync(CancellationToken ct)
    {
        var report = await LeftoverProcesses.EndAsync(_store, Id, TimeProvider.System, ct).ConfigureAwait(false);
        if (report is null) return;
        await AppendAsync(new JournalEvent(JournalEventKind.LeftoversChecked, detail: report.Summary, data: report.Data), ct).ConfigureAwait(false);
    }
}
