using System.Text.Json;
using System.Text.RegularExpressions;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;
using DeployOps.Engine.Security;

namespace DeployOps.Engine.Strategies;

/// <summary>
/// Pending and given approvals as small files in the state directory's <c>approvals</c> folder: the waiting
/// deployment writes <c>&lt;id&gt;.pending.json</c> and polls for <c>&lt;id&gt;.&lt;gate&gt;.approved.json</c>.
/// </summary>
internal sealed partial class CanaryApprovals
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
    private readonly string _directory;

    public CanaryApprovals(ConfigModel config) => _directory = Path.Combine(config.State.Directory, "approvals");

    [GeneratedRegex("[^A-Za-z0-9-]")]
    private static partial Regex Unsafe();

    private string ApprovedPath(string id, string gate) => Path.Combine(_directory, $"{id}.{Unsafe().Replace(gate, "_")}.approved.json");
    private string PendingPath(string id) => Path.Combine(_directory, $"{id}.pending.json");

    public DeploymentApproval? Find(string id, string gate) => Read<DeploymentApproval>(ApprovedPath(id, gate));

    public DeploymentApproval? Pending(string id) => Read<DeploymentApproval>(PendingPath(id));

    public async Task<DeploymentApproval?> WaitAsync(string id, string gate, string reason, TimeSpan timeout, CancellationToken ct)
    {
        var me = OperatorIdentity.Current;
        Write(PendingPath(id), new DeploymentApproval(id, gate, "", me.Host, DateTimeOffset.UtcNow, reason));
        try
        {
            var deadline = DateTime.UtcNow + timeout;
            while (DateTime.UtcNow < deadline)
            {
                if (Find(id, gate) is { } approval) return approval;
                await Task.Delay(200, ct).ConfigureAwait(false);
            }
            return Find(id, gate);
        }
        finally
        {
            File.Delete(PendingPath(id));
        }
    }

    public DeploymentApproval Approve(string id, string gate, string? reason)
    {
        var me = OperatorIdentity.Current;
        var approval = new DeploymentApproval(id, gate, me.User, me.Host, DateTimeOffset.UtcNow, reason);
        Write(ApprovedPath(id, gate), approval);
        return approval;
    }

    private void Write(string path, DeploymentApproval value)
    {
        StateDirectory.Ensure(_directory);
        var temp = path + ".tmp";
        PrivateFiles.WriteAllText(temp, JsonSerializer.Serialize(value, Json));
        File.Move(temp, path, overwrite: true);
    }

    private static T? Read<T>(string path) where T : class
    {
        try { return File.Exists(path) ? JsonSerializer.Deserialize<T>(File.ReadAllText(path), Json) : null; }
        catch (Exception ex) when (ex is IOException or JsonException) { return null; }
    }
}
