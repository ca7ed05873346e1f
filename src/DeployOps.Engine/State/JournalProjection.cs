using System.Globalization;

namespace DeployOps.Engine.State;

/// <summary>Folds a journal into the <see cref="DeploymentRecord"/> it describes. Both stores use it, so the
/// journal is the single source of truth and a crash can never leave a record that disagrees with it.</summary>
internal static class JournalProjection
{
    internal static class Keys
    {
        public const string Application = "application";
        public const string Environment = "environment";
        public const string Version = "version";
        public const string PreviousVersion = "previousVersion";
        public const string Strategy = "strategy";
        public const string User = "user";
        public const string Host = "host";
        public const string ProcessId = "pid";
        public const string LogPath = "logPath";
        public const string Outcome = "outcome";
        public const string Error = "error";
    }

    /// <param name="holderAlive">Whether a live process holds the lock for this deployment now; a deployment
    /// without an end event and without a live holder is Interrupted.</param>
    public static DeploymentRecord? Build(string id, IReadOnlyList<JournalEvent> events, bool holderAlive)
    {
        var started = events.FirstOrDefault(e => e.Kind == JournalEventKind.Started);
        if (started is null) return null;
        string Get(string key) => started.Data.TryGetValue(key, out var v) ? v : "";

        var host = Get(Keys.Host);
        var pid = ParsePid(Get(Keys.ProcessId));
        var phases = new List<PhaseBuilder>();
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        DateTimeOffset? end = null;
        var outcome = DeploymentOutcome.Running;
        string? error = null;

        foreach (var e in events)
        {
            switch (e.Kind)
            {
                case JournalEventKind.PhaseStarted when e.Phase is not null:
                    var existing = phases.FindLastIndex(p => p.Name == e.Phase);
                    var phase = new PhaseBuilder(e.Phase, e.Time);
                    // A resumed deployment restarts an unfinished phase: it replaces the old attempt in place.
                    if (existing >= 0 && phases[existing].Status != PhaseStatus.Succeeded)
                    {
                        phase.Steps.AddRange(phases[existing].Steps);
                        phases[existing] = phase;
                    }
                    else phases.Add(phase);
                    break;
                case JournalEventKind.PhaseCompleted:
                case JournalEventKind.PhaseFailed:
                case JournalEventKind.PhaseSkipped:
                    var target = Find(phases, e.Phase) ?? Add(phases, e.Phase ?? "?", e.Time);
                    target.Status = e.Kind switch
                    {
                        JournalEventKind.PhaseCompleted => PhaseStatus.Succeeded,
                        JournalEventKind.PhaseFailed => PhaseStatus.Failed,
                        _ => PhaseStatus.Skipped,
                    };
                    target.End = e.Time;
                    target.Detail = e.Detail;
                    break;
                case JournalEventKind.StepCompleted when e.Step is not null:
                    (Find(phases, e.Phase) ?? Add(phases, e.Phase ?? "?", e.Time)).Steps.Add(e.Step);
                    break;
                case JournalEventKind.Annotated:
                    foreach (var (key, value) in e.Data) fields[key] = value;
                    break;
                case JournalEventKind.Resumed:
                    end = null;
                    outcome = DeploymentOutcome.Running;
                    error = null;
                    if (e.Data.TryGetValue(Keys.Host, out var h)) host = h;
                    if (e.Data.TryGetValue(Keys.ProcessId, out var p)) pid = ParsePid(p);
                    break;
                case JournalEventKind.Ended:
                    end = e.Time;
                    outcome = e.Data.TryGetValue(Keys.Outcome, out var o) && Enum.TryParse<DeploymentOutcome>(o, out var parsed)
                        ? parsed : DeploymentOutcome.Failed;
                    error = e.Data.TryGetValue(Keys.Error, out var err) ? err : e.Detail;
                    break;
            }
        }

        if (outcome == DeploymentOutcome.Running && !holderAlive)
        {
            outcome = DeploymentOutcome.Interrupted;
            var last = phases.LastOrDefault(p => p.Status == PhaseStatus.Succeeded)?.Name ?? "none";
            error = $"its process (pid {pid} on {host}) is gone without finishing; last completed phase: {last}";
        }
        if (outcome == DeploymentOutcome.Interrupted)
            foreach (var p in phases.Where(p => p.Status == PhaseStatus.Running)) p.Status = PhaseStatus.Interrupted;

        return new DeploymentRecord(id, Get(Keys.Application), Get(Keys.Environment), Get(Keys.Version),
            NullIfEmpty(Get(Keys.PreviousVersion)), Get(Keys.Strategy), Get(Keys.User), host, pid, started.Time, end,
            outcome, phases.Select(p => p.Build()).ToList(), error, NullIfEmpty(Get(Keys.LogPath)), fields);
    }

    private static PhaseBuilder? Find(List<PhaseBuilder> phases, string? name) => phases.FindLast(p => p.Name == name);

    private static PhaseBuilder Add(List<PhaseBuilder> phases, string name, DateTimeOffset time)
    {
        var phase = new PhaseBuilder(name, time);
        phases.Add(phase);
        return phase;
    }

    private static int ParsePid(string text) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) ? pid : 0;

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;

    private sealed class PhaseBuilder
    {
        public PhaseBuilder(string name, DateTimeOffset start)
        {
            Name = name;
            Start = start;
        }

        public string Name { get; }
        public DateTimeOffset Start { get; }
        public DateTimeOffset? End { get; set; }
        public PhaseStatus Status { get; set; } = PhaseStatus.Running;
        public string? Detail { get; set; }
        public List<string> Steps { get; } = new();

        public PhaseRecord Build() => new(Name, Status, Start, End, Detail, Steps.ToList());
    }
}
