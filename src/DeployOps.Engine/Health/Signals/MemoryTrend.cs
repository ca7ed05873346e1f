namespace DeployOps.Engine.Health.Signals;

/// <summary>
/// Memory growth as the least-squares slope of the readings in a trailing window, in MB per minute. A single
/// garbage collection moves one reading; a leak moves them all. Reported once the readings span half the window,
/// so two readings a second apart cannot extrapolate noise into a leak.
/// </summary>
internal sealed class MemoryTrend
{
    private readonly TimeSpan _window;
    private readonly Queue<(DateTimeOffset Time, double Megabytes)> _points = new();

    public MemoryTrend(TimeSpan window) => _window = window;

    public void Add(DateTimeOffset time, double megabytes)
    {
        _points.Enqueue((time, megabytes));
        while (_points.Count > 2 && time - _points.Peek().Time > _window) _points.Dequeue();
    }

    public double? GrowthPerMinute()
    {
        if (_points.Count < 2) return null;
        var first = _points.Peek().Time;
        var span = _points.Last().Time - first;
        if (span < _window / 2 || span <= TimeSpan.Zero) return null;
        double n = _points.Count, sx = 0, sy = 0, sxx = 0, sxy = 0;
        foreach (var (time, mb) in _points)
        {
            var x = (time - first).TotalMinutes;
            sx += x; sy += mb; sxx += x * x; sxy += x * mb;
        }
        var denominator = n * sxx - sx * sx;
        return denominator <= 0 ? null : (n * sxy - sx * sy) / denominator;
    }
}
