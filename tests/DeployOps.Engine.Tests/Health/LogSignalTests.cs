using DeployOps.Engine.Health;
using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Health.Logs;
using System.Text.RegularExpressions;

namespace DeployOps.Engine.Tests.Health;

/// <summary>The application-log signal against real files (appended, rotated, truncated) and a real followed command.</summary>
public sealed class LogSignalTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("deployops-logs-").FullName;
    private DateTimeOffset _now = new(2026, 1, 5, 10, 0, 0, TimeSpan.Zero);

    public void Dispose() => Directory.Delete(_dir, true);

    private LogSource Source(string? file = null, string? command = null) => new(new[]
    {
        new LogSettings(file, command, new[] { new Regex(LogSettings.DefaultPattern) }, TimeSpan.FromMinutes(10)),
    }, () => _now);

    private string Stamp(double minutes) => (_now + TimeSpan.FromMinutes(minutes)).ToString("yyyy-MM-ddTHH:mm:ssZ");

    private async Task<SourceReadingView> NextAsync(LogSource source, double minutes = 1)
    {
        _now += TimeSpan.FromMinutes(minutes);
        var r = await source.ReadAsync(CancellationToken.None);
        return new SourceReadingView(r.Signals, r.Errors, r.Notes);
    }

    private sealed record SourceReadingView(IReadOnlyDictionary<string, double> Signals, IReadOnlyList<string> Errors, IReadOnlyList<string> Notes)
    {
        public double this[string signal] => Signals[signal];
    }

    [Fact]
    public async Task Counts_new_error_lines_per_minute_from_the_start_position_with_the_rate_and_patterns_before_as_baseline()
    {
        var log = Path.Combine(_dir, "app.log");
        // Before the watch: 3 stamped errors in the last 10 minutes (0.3/min), one older, of one known pattern.
        File.WriteAllLines(log, new[]
        {
            $"{Stamp(-30)} ERROR db timeout after 3000 ms", $"{Stamp(-8)} ERROR db timeout after 3012 ms",
            $"{Stamp(-5)} INFO started", $"{Stamp(-3)} ERROR db timeout after 2999 ms", $"{Stamp(-1)} ERROR db timeout after 3100 ms",
        });
        await using var source = Source(file: log);
        await source.PrimeAsync(CancellationToken.None);

        var first = await NextAsync(source);
        Assert.Equal((0.0, 0.3, 0.0), (first[HealthSignals.LogErrorRate], Math.Round(first[HealthSignals.LogErrorRateBefore], 6), first[HealthSignals.LogNewPatterns]));

        File.AppendAllLines(log, new[] { $"{Stamp(0.5)} ERROR db timeout after 3001 ms", $"{Stamp(0.6)} ERROR NullReferenceException in CartController id=42" });
        var second = await NextAsync(source, 2);
        Assert.Equal((1.0, 0.0), (second[HealthSignals.LogErrorRate], second[HealthSignals.LogNewPatterns])); // 2 lines / 2 min; the new one seen once

        File.AppendAllText(log, $"{Stamp(1)} ERROR NullReferenceException in CartController id=43\n{Stamp(1)} ERROR half a li");
        var third = await NextAsync(source);
        Assert.Equal((1.0, 1.0), (third[HealthSignals.LogErrorRate], third[HealthSignals.LogNewPatterns]));
        Assert.Contains(third.Notes, n => n.Contains("NullReferenceException in CartController id=#"));
        File.AppendAllText(log, "ne\n"); // the partial line is counted once complete
        Assert.Equal(1.0, (await NextAsync(source))[HealthSignals.LogErrorRate]);
    }

    [Fact]
    public async Task The_rate_is_per_minute_over_the_trailing_minute_so_one_error_in_a_one_second_sample_is_one_per_minute()
    {
        var log = Path.Combine(_dir, "app.log");
        File.WriteAllText(log, "");
        await using var source = Source(file: log);
        await source.PrimeAsync(CancellationToken.None);
        File.AppendAllText(log, "ERROR once\n");
        var rates = new List<double>();
        for (var i = 0; i < 70; i++) rates.Add((await NextAsync(source, 1.0 / 60))[HealthSignals.LogErrorRate]);
        Assert.All(rates.Take(59), r => Assert.Equal(1.0, r)); // still within the trailing minute
        Assert.All(rates.Skip(60), r => Assert.Equal(0.0, r));
    }

    [Fact]
    public async Task Follows_the_file_across_rotation_by_rename_and_truncation_in_place()
    {
        var log = Path.Combine(_dir, "app.log");
        File.WriteAllText(log, "old ERROR before the watch\n");
        await using var source = Source(file: log);
        await source.PrimeAsync(CancellationToken.None);

        File.AppendAllText(log, "ERROR one\n");
        File.Move(log, log + ".1");                       // logrotate: rename, then a new file
        File.AppendAllText(log + ".1", "ERROR two (written to the old file after the rename)\n");
        File.WriteAllText(log, "ERROR three\nINFO fine\n");
        Assert.Equal(3.0, (await NextAsync(source))[HealthSignals.LogErrorRate]);

        File.WriteAllText(log, "");                       // copytruncate
        File.AppendAllText(log, "ERROR four\n");
        Assert.Equal(1.0, (await NextAsync(source))[HealthSignals.LogErrorRate]);

        File.Delete(log);                                 // gone: reported, and followed again once it is back
        var gone = await NextAsync(source);
        Assert.Contains(gone.Errors, e => e.Contains("does not exist"));
        File.WriteAllText(log, "ERROR five\n");
        Assert.Equal(1.0, (await NextAsync(source))[HealthSignals.LogErrorRate]);
    }

    [Fact]
    public async Task A_line_appended_after_the_start_counts_as_new_though_its_whole_second_stamp_is_not_later_than_the_start()
    {
        // The watch starts 700 ms into a second; the application stamps whole seconds (or its clock lags): the lines
        // appended afterwards carry the start's second or an earlier one, yet were written during the watch.
        _now = _now.AddMilliseconds(700);
        var log = Path.Combine(_dir, "app.log");
        File.WriteAllText(log, "");
        await using var source = Source(file: log);
        await source.PrimeAsync(CancellationToken.None);
        File.AppendAllLines(log, new[] { $"{Stamp(0)} ERROR cache warm-up took 900 ms", $"{Stamp(-0.1)} ERROR clock lags" });
        var reading = await NextAsync(source);
        Assert.Equal(2.0, reading[HealthSignals.LogErrorRate]); // before: both were taken for history (rate 0)
    }

    [Fact]
    public void A_command_line_stamped_in_the_starts_second_is_new_and_one_from_an_earlier_second_is_history()
    {
        var counter = new LogLineCounter(new LogSettings(null, "journalctl -f", new[] { new Regex(LogSettings.DefaultPattern) }, TimeSpan.FromMinutes(10)));
        var start = _now.AddMilliseconds(700);
        counter.Line($"{_now.AddSeconds(-1):yyyy-MM-ddTHH:mm:ssZ} ERROR replayed from history", start);
        counter.Line($"{_now:yyyy-MM-ddTHH:mm:ssZ} ERROR written 200 ms after the start", start);
        Assert.Equal(1, counter.TakeCount());
    }

    [Fact]
    public async Task Follows_a_command_whose_stamped_history_is_the_baseline_and_reports_when_it_ends()
    {
        var script = Path.Combine(_dir, "logs.sh");
        File.WriteAllText(script, $"echo '{Stamp(-2)} ERROR cache miss storm'\nwhile [ ! -f '{_dir}/go' ]; do sleep 0.05; done\n" +
            "echo 'ERROR payment gateway 502'\necho 'ERROR payment gateway 503'\necho 'INFO ok'\nwhile [ ! -f '" + _dir + "/stop' ]; do sleep 0.05; done\n");
        await using var source = Source(command: $"bash {script}");
        await source.PrimeAsync(CancellationToken.None);
        File.WriteAllText(Path.Combine(_dir, "go"), "");

        var deadline = DateTime.UtcNow.AddSeconds(30);
        double total = 0;
        SourceReadingView reading;
        do
        {
            await Task.Delay(100);
            reading = await NextAsync(source);
            total += reading[HealthSignals.LogErrorRate];
        } while (total < 2 && DateTime.UtcNow < deadline);
        Assert.Equal(2.0, total);
        Assert.Equal(0.1, Math.Round(reading[HealthSignals.LogErrorRateBefore], 6)); // 1 stamped error in 10 minutes
        Assert.Equal(1.0, reading[HealthSignals.LogNewPatterns]);                    // "payment gateway #" twice

        File.WriteAllText(Path.Combine(_dir, "stop"), "");
        deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(await NextAsync(source)).Errors.Any(e => e.Contains("the command ended (exit code 0)")))
        {
            Assert.True(DateTime.UtcNow < deadline, "the command's end was not reported");
            await Task.Delay(100);
        }
    }

    [Fact]
    public void Default_rules_a_single_error_is_Healthy_a_new_pattern_or_a_rate_well_above_before_is_Investigate()
    {
        var engine = new HealthDecisionEngine(HealthPolicy.Default);
        var seq = 0;
        HealthEvaluation At(double rate, double before, double newPatterns)
        {
            var t = TimeSpan.FromMinutes(++seq);
            return engine.Evaluate(new HealthObservation(seq, DateTimeOffset.UnixEpoch + t, t, new Dictionary<string, double>
            {
                [HealthSignals.LogErrorRate] = rate, [HealthSignals.LogErrorRateBefore] = before, [HealthSignals.LogNewPatterns] = newPatterns,
            }));
        }
        Assert.Equal(HealthVerdict.Healthy, At(1, 0, 0).Verdict);
        Assert.Equal(HealthVerdict.Healthy, At(12, 4, 0).Verdict);      // 3× a noisy baseline
        var spike = At(25, 4, 0);                                       // 6.25×
        Assert.Equal(HealthVerdict.Investigate, spike.Verdict);
        Assert.Contains(spike.Reasons, r => r.StartsWith("logErrorSpike: logErrorIncrease 6.25 > 5", StringComparison.Ordinal));
        Assert.Equal(HealthVerdict.Investigate, At(6, 0, 0).Verdict);   // 6 lines/min after a clean log
        var fresh = At(1, 0, 1);
        Assert.Equal((HealthVerdict.Investigate, "logNewPattern"), (fresh.Verdict, fresh.Findings[0].Rule));
    }
}
