using DeployOps.Engine.Checks.OnTarget;
using DeployOps.Engine.Targets;

namespace DeployOps.Engine.Checks.Memory;

/// <summary>A memory check on a target: its <c>/proc/meminfo</c>, parsed and judged like the local one.</summary>
internal sealed class RemoteMemoryCheck : ICheck
{
    private const string Script = "cat /proc/meminfo";

    private readonly MemoryCheck _local;
    private readonly SshTarget _target;

    public RemoteMemoryCheck(MemoryCheck local, SshTarget target)
    {
        _local = local;
        _target = target;
    }

    public string Target => _target.Name;

    public async Task<CheckOutcome> RunAsync(CancellationToken cancellationToken)
    {
        var data = new Dictionary<string, object?>();
        var (result, failure) = await TargetScript.RunAsync(_target, Script, Array.Empty<string>(), null, data, cancellationToken).ConfigureAwait(false);
        if (failure is not null) return failure;
        if (result!.ExitCode != 0 || MemorySnapshot.Parse(result.Output) is not { } memory)
            return CheckOutcome.Fail($"{_target.Name} has no readable {MemorySnapshot.ProcMeminfo} (not Linux?): {TargetScript.Said(result)}", data);
        return _local.Judge(memory with { Source = $"{_target.Name}:{memory.Source}" });
    }
}
