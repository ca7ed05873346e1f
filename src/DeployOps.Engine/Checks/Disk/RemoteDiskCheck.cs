using System.Globalization;
using DeployOps.Engine.Checks.OnTarget;
using DeployOps.Engine.Targets;

namespace DeployOps.Engine.Checks.Disk;

/// <summary>A disk check on a target: <c>df -P -B1</c> there (POSIX columns, bytes), judged like the local one.</summary>
internal sealed class RemoteDiskCheck : ICheck
{
    // $1 = the path as configured (relative: to the login's home, where the script starts).
    private const string Script = """
        p=$(readlink -f -- "$1") && [ -e "$p" ] || { echo "deployops-disk-missing"; exit 0; }
        line=$(df -P -B1 -- "$p" | tail -n 1) || exit 1
        echo "deployops-disk-path $p"
        echo "deployops-disk-df $line"
        """;

    private readonly DiskCheck _local;
    private readonly SshTarget _target;
    private readonly string _path;

    public RemoteDiskCheck(DiskCheck local, SshTarget target, string path)
    {
        _local = local;
        _target = target;
        _path = path;
    }

    public string Target => $"{_target.Name}:{_path}";

    public async Task<CheckOutcome> RunAsync(CancellationToken cancellationToken)
    {
        var data = new Dictionary<string, object?> { ["path"] = _path };
        var (result, failure) = await TargetScript.RunAsync(_target, Script, new[] { _path }, null, data, cancellationToken).ConfigureAwait(false);
        if (failure is not null) return failure;
        if (TargetScript.Line(result!, "deployops-disk-missing") is not null)
            return CheckOutcome.Fail($"path {_path} does not exist on {_target.Name}", data);
        var path = TargetScript.Line(result!, "deployops-disk-path");
        // Filesystem 1-blocks Used Available Capacity Mounted-on (the mount point may contain spaces).
        var fields = TargetScript.Line(result!, "deployops-disk-df")?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (path is null || fields is not { Length: >= 6 } || !long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var total)
            || !long.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var free))
            return CheckOutcome.Fail($"df on {_target.Name} gave no usable answer for {_path}: {TargetScript.Said(result!)}", data);
        return _local.Judge(path, string.Join(' ', fields.Skip(5)), free, total);
    }
}
