namespace DeployOps.Engine.Tests.Support;

/// <summary>A clock that moves only when the test advances it; timers (Task.Delay on this clock) fire when their time comes.</summary>
public sealed class ManualClock : TimeProvider
{
    private readonly object _gate = new();
    private readonly List<Timer> _timers = new();
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate) return _now;
    }

    /// <summary>How many timers wait on this clock (a waiting loop shows up here).</summary>
    public int Waiting
    {
        get { lock (_gate) return _timers.Count(t => t.Due is not null); }
    }

    /// <summary>How many timers fall due within <paramref name="span"/> from now (tells a short backoff wait from a long timeout).</summary>
    public int WaitingWithin(TimeSpan span)
    {
        lock (_gate) return _timers.Count(t => t.Due is not null && t.Due <= _now + span);
    }

    /// <summary>
    /// Awaits <paramref name="work"/>, moving the clock straight to each timer it waits on (and only while one
    /// waits), so every wake-up happens at its exact time; <paramref name="woke"/> is called after each move.
    /// </summary>
    public async Task<T> DriveAsync<T>(Task<T> work, Action<TimeSpan>? woke = null)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(120)); // a broken loop fails, never hangs
        while (!work.IsCompleted)
        {
            if (guard.IsCancellationRequested) throw new TimeoutException("the work did not finish on the manual clock");
            if (UntilNextTimer() is not { } by) { await Task.Delay(1); continue; }
            Advance(by);
            woke?.Invoke(by);
        }
        return await work;
    }

    private TimeSpan? UntilNextTimer()
    {
        lock (_gate)
        {
            var due = _timers.Where(t => t.Due is not null).Select(t => t.Due!.Value).ToList();
            return due.Count == 0 ? null : due.Min() - _now;
        }
    }

    public void Advance(TimeSpan by)
    {
        List<Timer> due;
        lock (_gate)
        {
            _now += by;
            due = _timers.Where(t => t.Due <= _now).ToList();
            foreach (var t in due) t.Due = null;
        }
        foreach (var t in due) t.Fire();
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new Timer(this, callback, state);
        lock (_gate) _timers.Add(timer);
        timer.Change(dueTime, period);
        return timer;
    }

    private sealed class Timer : ITimer
    {
        private readonly ManualClock _clock;
        private readonly TimerCallback _callback;
        private readonly object? _state;

        public Timer(ManualClock clock, TimerCallback callback, object? state)
        {
            _clock = clock;
            _callback = callback;
            _state = state;
        }

        public DateTimeOffset? Due { get; set; }

        public void Fire() => _callback(_state);

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (_clock._gate) Due = dueTime == Timeout.InfiniteTimeSpan ? null : _clock._now + dueTime;
            return true;
        }

        public void Dispose()
        {
            lock (_clock._gate)
            {
                Due = null;
                _clock._timers.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
