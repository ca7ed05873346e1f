using System.Text;
using System.Text.Json;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Files;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;
using DeployOps.Engine.Security;

namespace DeployOps.Engine.Audit;

/// <summary>
/// Append-only JSONL audit log in the state directory. Each line is written with one append and flushed to disk
/// before returning; concurrent writers (several shells on one host) are serialised by an exclusive file lock.
/// Every string passes through the configuration's <see cref="Redactor"/>.
/// </summary>
internal sealed class AuditLog
{
    public const string FileName = "audit.jsonl";
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private readonly string _path;
    private readonly Redactor _redactor;
    private readonly string? _application;
    private readonly string? _environment;

    public AuditLog(string stateDirectory, Redactor redactor, string? application = null, string? environment = null)
    {
        _path = Path.Combine(stateDirectory, FileName);
        _redactor = redactor;
        _application = application;
        _environment = environment;
    }

    public static AuditLog For(ConfigModel config) =>
        new(config.State.Directory, config.Redactor, config.Application, config.Environment);

    public string FilePath => _path;

    public AuditEntry Write(string command, string action, string target, string outcome,
        IReadOnlyDictionary<string, string>? details = null, string? deploymentId = null)
    {
        var me = OperatorIdentity.Current;
        var entry = new AuditEntry(DateTimeOffset.UtcNow, me.User, me.Host, me.ProcessId, command,
            _redactor.Redact(action), _redactor.Redact(target), outcome, _application, _environment, deploymentId,
            details?.ToDictionary(kv => kv.Key, kv => _redactor.Redact(kv.Value)));
        var line = JsonSerializer.Serialize(entry, Json) + "\n";
        Append(Encoding.UTF8.GetBytes(line));
        return entry;
    }

    public IReadOnlyList<AuditEntry> ReadAll()
    {
        if (!File.Exists(_path)) return Array.Empty<AuditEntry>();
        var result = new List<AuditEntry>();
        using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0) continue;
            var entry = JsonSerializer.Deserialize<AuditEntry>(line, Json);
            if (entry is not null) result.Add(entry);
        }
        return result;
    }

    private void Append(byte[] bytes)
    {
        StateDirectory.Ensure(Path.GetDirectoryName(_path)!);
        try
        {
            ExclusiveAppend.Write(_path, bytes, TimeSpan.FromSeconds(10));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DeployOpsException(ErrorIds.AuditWriteFailed, ErrorKind.PermissionDenied,
                $"Cannot append to the audit log {_path}: {ex.Message}", _path, ex);
        }
    }

}
