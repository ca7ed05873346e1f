using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using DeployOps.Engine.Files;
using DeployOps.Engine.Audit;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Security;

namespace DeployOps.Engine.State;

/// <summary>
/// The embedded store: files in the state directory of one host.
/// <list type="bullet">
/// <item>locks/&lt;app&gt;-&lt;env&gt;.lock — held open with FileShare.None, which .NET maps to flock(LOCK_EX) on
/// Unix, for the deployment's life; the OS drops it when the process dies however it dies.</item>
/// <item>locks/&lt;app&gt;-&lt;env&gt;.lock.json — the holder's description, readable while the lock is held.</item>
/// <item>deployments/&lt;id&gt;/journal.jsonl — one event per line, fsync'd per append; record.json when it ends.</item>
/// <item>deployments/index.jsonl — one line per started deployment, for history.</item>
/// </list>
/// </summary>
internal sealed partial class FileDeploymentStore : IDeploymentStore
{
    private const string IndexFile = "index.jsonl";
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private readonly StateSettings _state;
    private readonly Redactor _redactor;
    private readonly JournalSequencer _sequencer;
    private readonly TimeProvider _clock;

    public FileDeploymentStore(StateSettings state, string application, string environment, Redactor redactor, TimeProvider? clock = null)
    {
        _state = state;
        _clock = clock ?? TimeProvider.System;
        _sequencer = new JournalSequencer(redactor);
        _redactor = redactor;
        Application = application;
        Environment = environment;
        var name = SafeName().Replace($"{application}-{environment}", "_");
        LockPath = Path.Combine(state.Directory, "locks", name + ".lock");
        HolderPath = LockPath + ".json";
        DeploymentsDirectory = Path.Combine(state.Directory, "deployments");
    }

    public string Application { get; }
    public string Environment { get; }
    public string Location => _state.Directory;
    internal string LockPath { get; }
    internal string HolderPath { get; }
    internal string DeploymentsDirectory { get; }

    [GeneratedRegex(@"[^A-Za-z0-9._-]")]
    private static partial Regex SafeName();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex ValidId();

    // ---- lock -------------------------------------------------------------------------------------------

    public Task<IDeploymentLock> AcquireLockAsync(string deploymentId, CancellationToken ct)
    {
        CheckId(deploymentId);
        RefuseWithoutOsLocking();
        StateDirectory.Sub(_state.Directory, "locks");
        return LockAcquisition.AcquireAsync((settling, c) => Task.FromResult(TryAcquire(deploymentId, settling, c)), _clock, ct);
    }

    /// <summary>One try (see <see cref="LockAcquisition"/>): the lock, null to look again, or Locked.</summary>
    private IDeploymentLock? TryAcquire(string deploymentId, bool settling, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var stream = TryLockExclusive(out var failure);
        if (stream is not null)
        {
            if (!StillAtPath())
            {
                // Unlock-Deployment removed the file between our open and our lock: lock the new one.
                stream.Dispose();
                return null;
            }
            var holder = LockHolder.ForMe(Application, Environment, deploymentId);
            try
            {
                WriteAtomically(HolderPath, holder.ToJson(), ErrorIds.StateStoreUnavailable, "the lock holder's description");
            }
            catch
            {
                stream.Dispose();
                throw;
            }
            return new FileLock(this, stream, holder.ToInfo(LockPath, _state.LockTtl));
        }
        var current = ReadHolder();
        // Without a live description, the holder is either still writing it or a probe (Get-Deployment)
        // holds the file for an instant: look again for a moment before naming it.
        if (settling && (current is null || current.StaleReason(_state.LockTtl) is not null)) return null;
        throw Locked(current?.ToInfo(LockPath, _state.LockTtl), failure);
    }

    public Task<LockInfo?> GetLockAsync(CancellationToken ct) => Task.FromResult(ReadLock());

    public Task<LockInfo> BreakLockAsync(bool force, CancellationToken ct)
    {
        var held = ReadLock() ?? throw new DeployOpsException(ErrorIds.LockNotHeld, ErrorKind.ObjectNotFound,
            $"No deployment holds the lock of {Application}/{Environment} ({LockPath}).", LockPath);
        if (!held.IsStale && !force) throw LockErrors.NotStale(held.Application, held.Environment, held);
        // The holder keeps its flock on the unlinked file; the next deployment creates and locks a new one.
        TryDelete(HolderPath);
        TryDelete(LockPath);
        return Task.FromResult(held);
    }

    private LockInfo? ReadLock()
    {
        if (!File.Exists(LockPath)) return null;
        using (var probe = TryLockExclusive(out _))
        {
            if (probe is not null) return null; // nobody holds it (a leftover description is history, not a lock)
        }
        var holder = ReadHolder();
        return holder?.ToInfo(LockPath, _state.LockTtl)
            ?? new LockInfo(Application, Environment, "unknown", "unknown", "unknown", 0, File.GetLastWriteTimeUtc(LockPath),
                LockPath, null);
    }

    /// <summary>With .NET file locking switched off, FileShare.None no longer takes a flock and two deployments
    /// could both "win": refuse rather than pretend.</summary>
    private void RefuseWithoutOsLocking()
    {
        var env = System.Environment.GetEnvironmentVariable("DOTNET_SYSTEM_IO_DISABLEFILELOCKING");
        var disabled = (AppContext.TryGetSwitch("System.IO.DisableFileLocking", out var on) && on)
            || string.Equals(env, "1", StringComparison.Ordinal) || string.Equals(env, "true", StringComparison.OrdinalIgnoreCase);
        if (disabled)
            throw new DeployOpsException(ErrorIds.StateStoreUnavailable, ErrorKind.InvalidOperation,
                "File locking is disabled for .NET (DOTNET_SYSTEM_IO_DISABLEFILELOCKING / System.IO.DisableFileLocking), so the " +
                $"deployment lock {LockPath} cannot be enforced. Unset it, or use state.store: postgres.", LockPath);
    }

    private FileStream? TryLockExclusive(out IOException? failure)
    {
        failure = null;
        try
        {
            return PrivateFiles.Open(LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
        catch (IOException ex)
        {
            failure = ex; // EWOULDBLOCK from flock: somebody else holds it
            return null;
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new DeployOpsException(ErrorIds.StateStoreUnavailable, ErrorKind.PermissionDenied,
                $"Cannot open the lock file {LockPath}: {ex.Message}", LockPath, ex);
        }
    }

    /// <summary>True when the lock path still names the file we locked: a second exclusive open of the same file
    /// conflicts with our own flock, while a fresh file at the path would open freely.</summary>
    private bool StillAtPath()
    {
        try
        {
            using var second = new FileStream(LockPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return false;
        }
        catch (FileNotFoundException) { return false; }
        catch (IOException) { return true; }
    }

    private LockHolder? ReadHolder()
    {
        try { return LockHolder.FromJson(File.ReadAllText(HolderPath)); }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
        catch (IOException) { return null; }
    }

    private DeployOpsException Locked(LockInfo? holder, IOException? failure) =>
        holder is null
            ? new(ErrorIds.DeploymentLocked, ErrorKind.ResourceBusy,
                $"{Application}/{Environment} is locked by a process that did not describe itself ({LockPath}: {failure?.Message}).", LockPath)
            : LockErrors.Locked(Application, Environment, holder);

    private sealed class FileLock : IDeploymentLock
    {
        private readonly FileDeploymentStore _store;
        private FileStream? _stream;

        public FileLock(FileDeploymentStore store, FileStream stream, LockInfo holder)
        {
            _store = store;
            _stream = stream;
            Holder = holder;
        }

        public LockInfo Holder { get; }

        public Task EnsureHeldAsync(CancellationToken ct)
        {
            var holder = _store.ReadHolder();
            if (_stream is null || holder?.DeploymentId != Holder.DeploymentId || holder.Pid != Holder.ProcessId || !_store.StillAtPath())
                throw new DeployOpsException(ErrorIds.LockNotHeld, ErrorKind.InvalidOperation,
                    $"Deployment {Holder.DeploymentId} no longer holds the lock of {Holder.Application}/{Holder.Environment} " +
                    $"({_store.LockPath}): it was broken with Unlock-Deployment -Force.", Holder);
            return Task.CompletedTask;
        }

        public Task ReleaseAsync()
        {
            if (_stream is null) return Task.CompletedTask;
            // Remove our description while still holding the flock, so nobody reads it as a live holder.
            if (_store.ReadHolder() is { } h && h.DeploymentId == Holder.DeploymentId && h.Pid == Holder.ProcessId)
                TryDelete(_store.HolderPath);
            _stream.Dispose();
            _stream = null;
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync() => new(ReleaseAsync());
    }

    // ---- journal ----------------------------------------------------------------------------------------

    public Task<JournalEvent> AppendAsync(string deploymentId, JournalEvent entry, CancellationToken ct)
    {
        CheckId(deploymentId);
        var directory = StateDirectory.Sub(StateDirectory.Sub(_state.Directory, "deployments"), deploymentId);
        var path = Path.Combine(directory, "journal.jsonl");
        return _sequencer.AppendAsync(deploymentId, entry, () => Task.FromResult(ReadEvents(path).LastOrDefault()?.Sequence ?? 0), written =>
        {
            var line = JournalCodec.Encode(written) + "\n";
            // A crash may have left half a line: start ours on a fresh line so both stay parseable.
            if (EndsTorn(path)) line = "\n" + line;
            try
            {
                using var stream = PrivateFiles.Open(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, 1, FileOptions.None);
                stream.Write(Encoding.UTF8.GetBytes(line));
                stream.Flush(flushToDisk: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new DeployOpsException(ErrorIds.JournalWriteFailed, ErrorKind.ResourceUnavailable,
                    $"Cannot append to the deployment journal {path}: {ex.Message}", path, ex);
            }
            if (written.Kind == JournalEventKind.Started) AppendIndex(deploymentId, written.Time);
            if (written.Kind == JournalEventKind.Ended) WriteRecord(deploymentId, directory);
            return Task.CompletedTask;
        }, ct);
    }

    public Task<IReadOnlyList<JournalEvent>> ReadJournalAsync(string deploymentId, CancellationToken ct)
    {
        var path = JournalPath(deploymentId);
        if (!File.Exists(path))
            throw new DeployOpsException(ErrorIds.DeploymentNotFound, ErrorKind.ObjectNotFound,
                $"No deployment {deploymentId} in {DeploymentsDirectory}.", deploymentId);
        return Task.FromResult(ReadEvents(path));
    }

    private string JournalPath(string deploymentId)
    {
        CheckId(deploymentId);
        return Path.Combine(DeploymentsDirectory, deploymentId, "journal.jsonl");
    }

    private static IReadOnlyList<JournalEvent> ReadEvents(string path)
    {
        if (!File.Exists(path)) return Array.Empty<JournalEvent>();
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var events = new List<JournalEvent>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0 && JournalCodec.Decode(line) is { } e) events.Add(e);
        }
        return events;
    }

    private static bool EndsTorn(string path)
    {
        if (!File.Exists(path)) return false;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        if (stream.Length == 0) return false;
        stream.Seek(-1, SeekOrigin.End);
        return stream.ReadByte() != '\n';
    }

    // ---- records and history ----------------------------------------------------------------------------

    public Task<DeploymentRecord?> GetAsync(string deploymentId, CancellationToken ct)
    {
        var path = JournalPath(deploymentId);
        var events = ReadEvents(path);
        var record = events.Count == 0 ? null : Project(deploymentId, events, ReadLock());
        // Records of other applications that share this state directory are not ours to show.
        return Task.FromResult(record is not null && record.Application == Application && record.Environment == Environment ? record : null);
    }

    public Task<IReadOnlyList<DeploymentRecord>> ListAsync(HistoryQuery query, CancellationToken ct)
    {
        var lockInfo = ReadLock();
        var result = new List<DeploymentRecord>();
        foreach (var entry in ReadIndex().Where(e => e.Application == Application && e.Environment == Environment)
                     .OrderByDescending(e => e.Start).ThenByDescending(e => e.Id, StringComparer.Ordinal))
        {
            ct.ThrowIfCancellationRequested();
            var record = Project(entry.Id, ReadEvents(Path.Combine(DeploymentsDirectory, entry.Id, "journal.jsonl")), lockInfo);
            if (record is null || !query.Admits(record) || (query.Outcomes.Count > 0 && !query.Outcomes.Contains(record.Outcome))) continue;
            result.Add(record);
            if (query.Last > 0 && result.Count >= query.Last) break;
        }
        return Task.FromResult<IReadOnlyList<DeploymentRecord>>(result);
    }

    private static DeploymentRecord? Project(string id, IReadOnlyList<JournalEvent> events, LockInfo? lockInfo) =>
        JournalProjection.Build(id, events, holderAlive: lockInfo is { IsStale: false } && lockInfo.DeploymentId == id);

    private sealed record IndexEntry(string Id, string Application, string Environment, DateTimeOffset Start);

    private void AppendIndex(string deploymentId, DateTimeOffset start)
    {
        var line = JsonSerializer.Serialize(new IndexEntry(deploymentId, Application, Environment, start), Json) + "\n";
        var path = Path.Combine(DeploymentsDirectory, IndexFile);
        try
        {
            // Several applications sharing a state directory append one whole line at a time.
            ExclusiveAppend.Write(path, Encoding.UTF8.GetBytes(line), TimeSpan.FromSeconds(10));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DeployOpsException(ErrorIds.JournalWriteFailed, ErrorKind.ResourceUnavailable,
                $"Cannot append to the history index {path}: {ex.Message}", path, ex);
        }
    }

    private IReadOnlyList<IndexEntry> ReadIndex()
    {
        var path = Path.Combine(DeploymentsDirectory, IndexFile);
        var entries = new List<IndexEntry>();
        if (!File.Exists(path)) return entries;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                using var reader = new StreamReader(stream, Encoding.UTF8);
                while (reader.ReadLine() is { } line)
                {
                    if (line.Length == 0) continue;
                    try
                    {
                        if (JsonSerializer.Deserialize<IndexEntry>(line, Json) is { } e && ValidId().IsMatch(e.Id)) entries.Add(e);
                    }
                    catch (JsonException) { } // torn by a crash: the journal itself is still there
                }
                return entries;
            }
            catch (IOException) when (attempt < 200)
            {
                entries.Clear();
                Thread.Sleep(10); // a writer holds it exclusively for one line
            }
        }
    }

    /// <summary>record.json: the final record for tools that read files; the journal stays authoritative.</summary>
    private void WriteRecord(string deploymentId, string directory)
    {
        var record = JournalProjection.Build(deploymentId, ReadEvents(Path.Combine(directory, "journal.jsonl")), holderAlive: false);
        if (record is not null)
            WriteAtomically(Path.Combine(directory, "record.json"), JournalCodec.RecordJson(record), ErrorIds.JournalWriteFailed, "the final deployment record");
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    private void CheckId(string deploymentId)
    {
        if (!ValidId().IsMatch(deploymentId))
            throw new DeployOpsException(ErrorIds.DeploymentNotFound, ErrorKind.InvalidArgument,
                $"'{deploymentId}' is not a deployment id (letters, digits, '.', '_' and '-').", deploymentId);
    }

    /// <summary>A private (0600) atomic replace; an I/O failure (a full disk) becomes the state error callers document.</summary>
    private static void WriteAtomically(string path, string text, string errorId, string what)
    {
        try
        {
            AtomicFile.Write(path, text, FileReaders.Owner);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DeployOpsException(errorId, ErrorKind.ResourceUnavailable, $"Cannot write {what} {path}: {ex.Message}", path, ex);
        }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
    }

    public ValueTask DisposeAsync()
    {
        _sequencer.Dispose();
        return ValueTask.CompletedTask;
    }
}
