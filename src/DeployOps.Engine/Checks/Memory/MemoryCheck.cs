using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Checks.Memory;

internal sealed class MemoryCheck : ICheck, OnTarget.ITargetableCheck
{
    private readonly long _minAvailable;
    private readonly long? _warnAvailable;
    private readonly Func<MemorySnapshot> _read;

    public MemoryCheck(long minAvailable, long? warnAvailable, Func<MemorySnapshot>? read = null)
    {
        _minAvailable = minAvailable;
        _warnAvailable = warnAvailable;
        _read = read ?? MemorySnapshot.Read;
    }

    public string Target => Environment.MachineName;

    public Task<CheckOutcome> RunAsync(CancellationToken cancellationToken)
    {
        return Task.FromResult(Judge(_read()));
    }

    public ICheck On(Targets.SshTarget target) => new RemoteMemoryCheck(this, target);

    /// <summary>The verdict on one snapshot, taken here or on a target.</summary>
    internal CheckOutcome Judge(MemorySnapshot memory)
    {
        var data = new Dictionary<string, object?>
        {
            ["availableBytes"] = memory.AvailableBytes,
            ["totalBytes"] = memory.TotalBytes,
            ["availablePercent"] = memory.TotalBytes > 0 ? Math.Round(100.0 * memory.AvailableBytes / memory.TotalBytes, 1) : null,
            ["minAvailableBytes"] = _minAvailable,
            ["source"] = memory.Source,
        };
        var text = $"{ValueParsers.FormatSize(memory.AvailableBytes)} of {ValueParsers.FormatSize(memory.TotalBytes)} memory available";
        return memory.AvailableBytes < _minAvailable ? CheckOutcome.Fail($"only {text}; at least {ValueParsers.FormatSize(_minAvailable)} is required", data)
            : _warnAvailable is { } warn && memory.AvailableBytes < warn ? CheckOutcome.Warn($"{text}; below the warning level of {ValueParsers.FormatSize(warn)}", data)
            : CheckOutcome.Pass($"{text} (at least {ValueParsers.FormatSize(_minAvailable)} required)", data);
    }
}
