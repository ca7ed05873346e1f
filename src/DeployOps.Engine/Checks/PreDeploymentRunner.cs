using System.Diagnostics;
using DeployOps.Engine.Audit;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;

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
        var total = selected.Count;
        var clock = Stopwatch.StartNew();
        var results = new List<CheckResult>(total);
        var pending = selected.Select(d => RunOneAsync(d, config.Redactor, cancellationToken)).ToList();
        var running = new HashSet<string>(selected.Select(d => d.Name), StringComparer.OrdinalIgnoreCase);

        sink.WriteVerbose($"Running {total} check(s) from {config.FilePath}");
        while (pending.Count > 0)
        {
            sink.WriteProgress(new ProgressUpdate(ProgressActivityId, "Pre-deployment checks",
                $"{results.Count}/{total} done; waiting for {string.Join(", ", running.Take(5))}{(running.Count > 5 ? ", …" : "")}",
                total == 0 ? 100 : results.Count * 100 / total));
            var done = await Task.WhenAny(pending).ConfigureAwait(false);
            pending.Remove(done);
            var result = await done.ConfigureAwait(false);
            running.Remove(result.Name);
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

    private static async Task<CheckResult> RunOneAsync(CheckDefinition definition, Redactor redactor, CancellationToken outer)
    {
        // Run on the pool so a check that blocks synchronously cannot hold up the others.
        await Task.Yield();
        var clock = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(outer);
        timeout.CancelAfter(definition.Timeout);
        CheckOutcome outcome;
        try
        {
            var work = Task.Run(() => definition.Check.RunAsync(timeout.Token), timeout.Token);
            var deadline = Task.Delay(Timeout.InfiniteTimeSpan, timeout.Token);
            var first = await Task.WhenAny(work, deadline).ConfigureAwait(false);
            if (first == work) outcome = await work.ConfigureAwait(false);
            else
            {
                outer.ThrowIfCancellationRequested();
                outcome = (definition.Check is IReportsOwnTimeout ? await OwnTimeoutOutcomeAsync(work).ConfigureAwait(false) : null)
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

        var data = outcome.Data.ToDictionary(kv => kv.Key, kv => RedactValue(kv.Value, redactor));
        return new CheckResult(definition.Name, definition.Kind, definition.Category, outcome.Status,
            redactor.Redact(outcome.Message), clock.Elapsed, redactor.Redact(definition.Target), data);
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
            ["failed"] = string.Join(",", report.Results.Where(r => r.Status == CheckStatus.Failed).Select(r => r.Name)),
            ["warnings"] = string.Join(",", report.Results.Where(r => r.Status == CheckStatus.Warning).Select(r => r.Name)),
            ["durationMs"] = ((long)report.Duration.TotalMilliseconds).ToString(),
        };
        AuditLog.For(config).Write(options.Command, "run pre-deployment checks", config.FilePath,
            report.Passed ? "Passed" : "Failed", details);
    }
}
