using System.Text.Json;
using System.Text.RegularExpressions;
using DeployOps.Engine.Files;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Security;
using DeployOps.Engine.State;

namespace DeployOps.Engine.Strategies;

/// <summary>
/// Approvals as small files in the state directory's <c>approvals</c> folder: the waiting deployment writes
/// <c>&lt;id&gt;.pending.json</c> and looks for <c>&lt;id&gt;.&lt;gate&gt;.approved.json</c>. Files are replaced atomically.
/// </summary>
internal sealed partial class FileApprovalStore : IApprovalStore
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
    private readonly string _directory;

    public FileApprovalStore(ConfigModel config) => _directory = Path.Combine(config.State.Directory, "approvals");

    public string ApprovalLocation => _directory;

    [GeneratedRegex("[^A-Za-z0-9-]")]
    private static partial Regex Unsafe();

    private string ApprovedPath(string id, string gate) => Path.Combine(_directory, $"{id}.{Unsafe().Replace(gate, "_")}.approved.json");
    private string PendingPath(string id) => Path.Combine(_directory, $"{id}.pending.json");

    public Task<DeploymentApproval?> FindApprovalAsync(string deploymentId, string gate, CancellationToken ct) =>
        Task.FromResult(Read(ApprovedPath(deploymentId, gate)));

    public Task<DeploymentApproval?> FindPendingAsync(string deploymentId, CancellationToken ct) => Task.FromResult(Read(PendingPath(deploymentId)));

    public Task SetPendingAsync(DeploymentApproval pending, CancellationToken ct)
    {
        Write(PendingPath(pending.DeploymentId), pending);
        return Task.CompletedTask;
    }

    public Task ClearPendingAsync(string deploymentId, CancellationToken ct)
    {
        File.Delete(PendingPath(deploymentId));
        return Task.CompletedTask;
    }

    public Task SaveApprovalAsync(DeploymentApproval approval, CancellationToken ct)
    {
        Write(ApprovedPath(approval.DeploymentId, approval.Gate), approval);
        return Task.CompletedTask;
    }

    private static void Write(string path, DeploymentApproval value) =>
        AtomicFile.Write(path, JsonSerializer.Serialize(value, Json), FileReaders.Owner);

    private static DeploymentApproval? Read(string path)
    {
        try { return File.Exists(path) ? JsonSerializer.Deserialize<DeploymentApproval>(File.ReadAllText(path), Json) : null; }
        catch (Exception ex) when (ex is IOException or JsonException) { return null; }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
