using DeployOps.Engine.Audit;

namespace DeployOps.Engine.State;

/// <summary>
/// Numbers and redacts journal entries for both deployment stores: one append at a time per store, each event
/// numbered after the deployment's last (read from the store once, then cached), and secrets masked before the
/// entry reaches any storage.
/// </summary>
internal sealed class JournalSequencer : IDisposable
{
    private readonly Dictionary<string, long> _last = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Redactor _redactor;

    public JournalSequencer(Redactor redactor) => _redactor = redactor;

    /// <summary>
    /// Writes <paramref name="entry"/> as the next event of <paramref name="deploymentId"/> through
    /// <paramref name="write"/>; <paramref name="readLast"/> gives the stored last number the first time. The number
    /// is remembered only once the write succeeded, so a failed append is retried with the same number.
    /// </summary>
    public async Task<JournalEvent> AppendAsync(string deploymentId, JournalEvent entry, Func<Task<long>> readLast,
        Func<JournalEvent, Task> write, CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (!_last.TryGetValue(deploymentId, out var last)) last = await readLast().ConfigureAwait(false);
            var written = JournalCodec.Redact(entry, _redactor, last + 1);
            await write(written).ConfigureAwait(false);
            _last[deploymentId] = written.Sequence;
            return written;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}
