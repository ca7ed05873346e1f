using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Health.Signals;
using DeployOps.Engine.Processes;

namespace DeployOps.Engine.Health.Logs;

/// <summary>
/// The application-log signal: error lines per minute (over the trailing minute) in every configured log (files tailed, commands followed
/// through <see cref="ChildProcess"/>), the rate before the deployment, and the error patterns not seen before it.
/// </summary>
internal sealed class LogSource : ISignalSource
{
    private readonly IReadOnlyList<Follower> _followers;
    private readonly Func<DateTimeOffset> _clock;
    private DateTimeOffset _start;
    private DateTimeOffset _previous;
    private readonly Queue<(DateTimeOffset At, double Count)> _recent = new();

    public LogSource(IReadOnlyList<LogSettings> logs, Func<DateTimeOffset>? clock = null)
    {
        _followers = logs.Select(l => new Follower(l)).ToList();
        _clock = clock ?? (() => DateTimeOffset.UtcNow);
    }

    public string Name => "logs";

    public async Task<SourceReading> PrimeAsync(CancellationToken cancellationToken)
    {
        _start = _previous = _clock();
        var reading = new SourceReading();
        foreach (var follower in _followers)
        {
            try { await follower.StartAsync(_start).ConfigureAwait(false); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                reading.Errors.Add($"{follower.Settings.Describe}: {ex.Message}");
            }
        }
        return reading;
    }

    public Task<SourceReading> ReadAsync(CancellationToken cancellationToken)
    {
        var now = _clock();
        // Per minute over the trailing minute (or the interval, if longer): one error in a 1 s drill sample is 1/min, not 60/min.
        var window = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMinutes(1).Ticks, (now - _previous).Ticks));
        _previous = now;
        var reading = new SourceReading();
        double count = 0, before = 0;
        var beforeKnown = true;
        var newPatterns = new List<string>();
        foreach (var follower in _followers)
        {
            if (follower.Read(_start) is { } problem) reading.Errors.Add($"{follower.Settings.Describe}: {problem}");
            count += follower.Counter.TakeCount();
            if (follower.Counter.RateBefore() is { } b) before += b; else beforeKnown = false;
            newPatterns.AddRange(follower.Counter.NewPatterns());
        }
        _recent.Enqueue((now, count));
        while (_recent.Peek().At <= now - window) _recent.Dequeue();
        reading.Set(HealthSignals.LogErrorRate, _recent.Sum(r => r.Count) / window.TotalMinutes);
        if (beforeKnown) reading.Set(HealthSignals.LogErrorRateBefore, before);
        else reading.Unreadable[HealthSignals.LogErrorRateBefore] = "log lines before the watch carry no timestamp";
        reading.Set(HealthSignals.LogNewPatterns, newPatterns.Count);
        foreach (var pattern in newPatterns) reading.Notes.Add("new error pattern in the logs: " + pattern);
        return Task.FromResult(reading);
    }

    public ValueTask DisposeAsync()
    {
        foreach (var follower in _followers) follower.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>One log: a tailed file or a followed command, feeding its counter.</summary>
    private sealed class Follower : IDisposable
    {
        private LogFileTail? _file;
        private ChildProcess? _command;
        private Task<ChildProcessResult>? _ended;

        public Follower(LogSettings settings)
        {
            Settings = settings;
            Counter = new LogLineCounter(settings);
        }

        public LogSettings Settings { get; }
        public LogLineCounter Counter { get; }

        public async Task StartAsync(DateTimeOffset start)
        {
            if (Settings.File is { } path)
            {
                _file = new LogFileTail(path);
                foreach (var line in _file.Start()) Counter.Before(line, start);
                return;
            }
            var (file, args) = ChildProcessSpec.Shell("bash", Settings.Command!);
            // Its output is counted as it comes (history stamped before the watch is baseline); it runs until the watch ends.
            _command = await ChildProcess.StartAsync(new ChildProcessSpec { FileName = file, Arguments = args, TailLines = 5 },
                line => Counter.Line(line, start)).ConfigureAwait(false);
            _ended = _command.WaitAsync(CancellationToken.None);
        }

        /// <summary>Reads what is new; returns why the log cannot be followed, or null.</summary>
        public string? Read(DateTimeOffset start)
        {
            if (_file is not null)
            {
                // Appended after the start offset: new whatever its stamp says (stamps may be whole seconds, or skewed).
                foreach (var line in _file.ReadNew()) Counter.New(line);
                return _file.Exists ? null : "the file does not exist (yet)";
            }
            if (_ended is { IsCompleted: true } ended)
            {
                var result = ended.Result;
                return $"the command ended (exit code {result.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}): {result.TailText}";
            }
            return _command is null ? "the command could not be started" : null;
        }

        public void Dispose()
        {
            _file?.Dispose();
            if (_command is not null)
            {
                if (_ended is not { IsCompleted: true }) _command.Kill();
                _command.Dispose();
            }
        }
    }
}
