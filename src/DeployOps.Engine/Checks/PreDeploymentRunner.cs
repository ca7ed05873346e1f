using System.Diagnostics;
using DeployOps.Engine.Audit;
using DeployOps.Engine.Checks.OnTarget;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Targets;

namespace DeployOps.Engine.Checks;

/// <summary>
/// Runs the configured checks concurrently. Each check gets its own timeout, enforced even against code that
/// ignores its token, so a hung endpoint costs its timeout and never the whole suite. Results are emitted as
/// they complete.
/// </summary>
internal static class PreDeploymentRunner
{
    public const int ProgressActivityId = 1;

    public static async Task<PreDeploymentReport> RunAsync(ConfigModel config, PreDeploymentOptions options,
        IOutputSink sink, CancellationToken cancellationToken)
    {
        var selected = Select(config.Checks, options);
        // A check with targets: runs once per host; those runs share a bound so a large fleet is not hit all at once.
        var runs = selected.SelectMany(d => d.Hosts.Count == 0
            ? new[] { (Definition: d, Host: (SshTarget?)null) }
            : d.Hosts.Select(h => (Definition: d, Host: (SshTarget?)h))).ToList();
        var total = runs.Count;
        var clock = Stopwatch.StartNew();
        var results = new List<CheckResult>(total);
        using var throttle = new SemaphoreSlim(config.TargetCheckParallelism);
        var pending = runs.Select(r => RunOneAsync(r.Definition, r.Host, throttle, config.Redactor, cancellationToken)).ToList();
        var running = new HashSet<string>(runs.Select(r => RunName(r.Definition.Name, r.Host?.Name)), StringComparer.OrdinalIgnoreCase);

        sink.WriteVerbose($"Running {total} check(s) from {config.FilePath}");
        while (pending.Count > 0)
        {
            sink.WriteProgress(new ProgressUpdate(ProgressActivityId, "Pre-deployment checks",
                $"{results.Count}/{total} done; waiting for {string.Join(", ", running.Take(5))}{(running.Count > 5 ? ", …" : "")}",
                total == 0 ? 100 : results.Count * 100 / total));
            var done = await Task.WhenAny(pending).ConfigureAwait(false);
            pending.Remove(done);
            var result = await done.ConfigureAwait(false);
            running.Remove(RunName(result.Name, result.Host));
            results.Add(result);
            sink.WriteRecord(result);
        }
        cancellationToken.ThrowIfCancellationRequested();
        sink.WriteProgress(new ProgressUpdate(ProgressActivityId, "Pre-deployment checks", "Done", 100, Completed: true));

        var report = new PreDeploymentReport(results, options.Strict, clock.Elapsed);
        Audit(config, options, report);
        return report;
    }

    internal static IReadOnlyList<CheckDefinition> Select(IReadOnlyList<CheckDefinition> checks, PreDeploymentOptions options)
    {
        var byName = options.Names.Select(NamePattern.Of).ToList();
        var selected = checks.Where(c => c.Enabled || options.Names.Count > 0)
            .Where(c => byName.Count == 0 || byName.Any(p => p.IsMatch(c.Name)))
            .Where(c => options.Categories.Count == 0 || options.Categories.Contains(c.Category, StringComparer.OrdinalIgnoreCase))
            .ToList();
        foreach (var name in options.Names.Where(n => !NamePattern.HasWildcards(n)))
        {
            if (!checks.Any(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase)))
                throw new DeployOpsException(ErrorIds.CheckNotFound, ErrorKind.ObjectNotFound,
                    $"No check named '{name}' in the configuration (checks: {string.Join(", ", checks.Select(c => c.Name))})", name);
        }
        return selected;
    }

    private static string RunName(string check, string? host) => host is null ? check : $"{check} on {host}";

    private static async Task<CheckResult> RunOneAsync(CheckDefinition definition, SshTarget? host, SemaphoreSlim throttle,
        Redactor redactor, CancellationToken outer)
    {
        // Run on the pool so a check that blocks synchronously cannot hold up the others.
        await Task.Yield();
        if (host is null) return await RunCheckAsync(definition, definition.Check, null, redactor, outer).ConfigureAwait(false);
        try
        {
            await throttle.WaitAsync(outer).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return Result(definition, null, host, CheckOutcome.Skip("cancelled by the operator"), TimeSpan.Zero, redactor);
        }
        try
        {
            // The check's timeout starts when it runs, not while it waits for a slot.
            return await RunCheckAsync(definition, ((ITargetableCheck)definition.Check).On(host), host, redactor, outer).ConfigureAwait(false);
        }
        finally
        {
            throttle.Release();
        }
    }

    private static async Task<CheckResult> RunCheckAsync(CheckDefinition definition, ICheck check, SshTarget? host, Redactor redactor,
        CancellationToken outer)
    {
        var clock = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(outer);
        timeout.CancelAfter(definition.Timeout);
        CheckOutcome outcome;
        try
        {
            var work = Task.Run(() => check.RunAsync(timeout.Token), timeout.Token);
            var deadline = Task.Delay(Timeout.InfiniteTimeSpan, timeout.Token);
            var first = await Task.WhenAny(work, deadline).ConfigureAwait(false);
            if (first == work) outcome = await work.ConfigureAwait(false);
            else
            {
                outer.ThrowIfCancellationRequested();
                outcome = (check is IReportsOwnTimeout ? await OwnTimeoutOutcomeAsync(work).ConfigureAwait(false) : null)
                    ?? TimedOut(definition);
            }
        }
        catch (OperationCanceledException) when (!outer.IsCancellationRequested)
        {
            outcome = TimedOut(definition);
        }
        catch (OperationCanceledException)
        {
            outcome = CheckOutcome.Skip("cancelled by the operator");
        }
        catch (Exception ex)
        {
            outcome = CheckOutcome.Fail($"{ex.GetType().Name}: {ex.Message}");
        }

        return Result(definition, check, host, outcome, clock.Elapsed, redactor);
    }

    private static CheckResult Result(CheckDefinition definition, ICheck? check, SshTarget? host, CheckOutcome outcome, TimeSpan duration,
        Redactor redactor)
    {
        var data = outcome.Data.ToDictionary(kv => kv.Key, kv => RedactValue(kv.Value, redactor));
        return new CheckResult(definition.Name, definition.Kind, definition.Category, outcome.Status,
            redactor.Redact(outcome.Message), duration, redactor.Redact((check ?? definition.Check).Target), data, host?.Name);
    }

    /// <summary>Masks secrets in Data: strings, string lists, and (lists of) dictionaries, keeping their shapes.</summary>
    private static object? RedactValue(object? value, Redactor redactor) => value switch
    {
        string s => redactor.Redact(s),
        IDictionary<string, object?> map => RedactMap(map, redactor),
        IEnumerable<IDictionary<string, object?>> maps => maps.Select(m => RedactMap(m, redactor)).ToList(),
        IEnumerable<string> list => list.Select(redactor.Redact).ToList(),
        _ => value,
    };

    private static Dictionary<string, object?> RedactMap(IDictionary<string, object?> map, Redactor redactor) =>
        map.ToDictionary(kv => kv.Key, kv => RedactValue(kv.Value, redactor));

    /// <summary>
    /// A check that reports its own timeout (the command check ends its process group and keeps the tail of the output,
    /// so the admin sees where it hung) gets a moment after the deadline to say so; its Fail replaces the bare one.
    /// </summary>
    private static async Task<CheckOutcome?> OwnTimeoutOutcomeAsync(Task<CheckOutcome> work)
    {
        _ = work.ContinueWith(t => _ = t.Exception, TaskScheduler.Default); // observe late failures
        try
        {
            var own = await work.WaitAsync(OwnOutcomeGrace).ConfigureAwait(false);
            return own.Status == CheckStatus.Failed ? own : null;
        }
        catch (Exception)
        {
            return null; // still running, cancelled or failed: the runner's own "timed out" stands
        }
    }

    private static readonly TimeSpan OwnOutcomeGrace = TimeSpan.FromSeconds(2);

    private static CheckOutcome TimedOut(CheckDefinition d) =>
        CheckOutcome.Fail($"timed out after {ValueParsers.FormatDuration(d.Timeout)}",
            new Dictionary<string, object?> { ["timeout"] = d.Timeout.TotalSeconds });

    private static void Audit(ConfigModel config, PreDeploymentOptions options, PreDeploymentReport report)
    {
        var details = new Dictionary<string, string>
        {
            ["checks"] = report.Results.Count.ToString(),
            ["failed"] = string.Join(",", report.Results.Where(r => r.Status == CheckStatus.Failed).Select(r => RunName(r.Name, r.Host))),
            ["warnings"] = string.Join(",", report.Results.Where(r => r.Status == CheckStatus.Warning).Select(r => RunName(r.Name, r.Host))),
            ["durationMs"] = ((long)report.Duration.TotalMilliseconds).ToString(),
        };
        AuditLog.For(config).Write(options.Command, "run pre-deployment checks", config.FilePath,
            report.Passed ? "Passed" : "Failed", details);
    }
}
