using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace DeployOps.Engine.Tests.Health;

/// <summary>
/// A fake clock that says when someone starts sleeping on it and for how long. A watch that reads real processes
/// sleeps on its schedule; the test lets real traffic happen meanwhile, then moves the clock exactly to the wake-up
/// time, so samples land at exact elapsed times however slow the machine is.
/// </summary>
internal sealed class SteppedClock : FakeTimeProvider
{
    private readonly Channel<TimeSpan> _sleeps = Channel.CreateUnbounded<TimeSpan>();

    public SteppedClock() : base(new DateTimeOffset(2026, 1, 5, 10, 0, 0, TimeSpan.Zero)) { }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        if (dueTime != Timeout.InfiniteTimeSpan) _sleeps.Writer.TryWrite(dueTime);
        return timer;
    }

    /// <summary>The due time of the next timer created on this clock.</summary>
    public Task<TimeSpan> NextSleepAsync(CancellationToken cancellationToken) => _sleeps.Reader.ReadAsync(cancellationToken).AsTask();
}
