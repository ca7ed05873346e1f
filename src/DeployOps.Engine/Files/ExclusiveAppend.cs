using DeployOps.Engine.Security;
using DeployOps.Engine.Timing;

namespace DeployOps.Engine.Files;

/// <summary>
/// The one way DeployOps appends whole records to a file several processes share (the audit log, the history index):
/// the file is opened exclusively (FileShare.None, a flock on Linux), so lines never interleave; only the open waits
/// for another writer, a failing write (a full disk) fails at once. The file is 0600; the data is on disk on return.
/// </summary>
internal static class ExclusiveAppend
{
    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(15);

    /// <exception cref="IOException">The file stayed locked for <paramref name="wait"/>, or the write failed.</exception>
    public static void Write(string path, ReadOnlySpan<byte> record, TimeSpan wait, TimeProvider? clock = null)
    {
        using var stream = OpenExclusive(path, wait, clock ?? TimeProvider.System);
        stream.Write(record);
        stream.Flush(flushToDisk: true);
    }

    private static FileStream OpenExclusive(string path, TimeSpan wait, TimeProvider clock)
    {
        IOException? locked = null;
        // The callers (the audit log) are synchronous. Blocking on the poll cannot deadlock: it never resumes on the
        // caller's context (ConfigureAwait(false)), and an open that succeeds at once completes synchronously.
        var stream = Poll.UntilAsync(_ =>
        {
            try
            {
                return Task.FromResult<FileStream?>(PrivateFiles.Open(path, FileMode.Append, FileAccess.Write, FileShare.None));
            }
            catch (IOException ex)
            {
                locked = ex; // another writer holds the exclusive lock
                return Task.FromResult<FileStream?>(null);
            }
        }, wait, RetryPause, clock, CancellationToken.None).GetAwaiter().GetResult();
        return stream ?? throw locked!;
    }
}
