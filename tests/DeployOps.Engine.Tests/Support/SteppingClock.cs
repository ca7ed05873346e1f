namespace DeployOps.Engine.Tests.Support;

/// <summary>
/// A fake clock that moves forward by a fixed step every time it is read, so a loop bounded by a time budget runs a
/// known number of times whatever the machine's load. Timers (Task.Delay) still run on real time.
/// </summary>
internal sealed class SteppingClock : TimeProvider
{
    private readonly TimeSpan _step;
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public SteppingClock(TimeSpan step) => _step = step;

    public int Reads { get; private set; }

    public override DateTimeOffset GetUtcNow()
    {
        Reads++;
        _now += _step;
        return _now;
    }
}
