using DeployOps.Engine.Security;

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
    public static void Write(string path, ReadOnlySpan<byte> record, TimeSpan wait)
    {
        using var stream = OpenExclusive(path, DateTime.UtcNow + wait);
        stream.Write(record);
        stream.Flush(flushToDisk: true);
    }

    private static FileStream OpenExclusive(string path, DateTime deadline)
    {
        while (true)
        {
            try
            {
                return PrivateFiles.Open(path, FileMode.Append, FileAccess.Write, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(RetryPause); // another writer holds the exclusive lock
            }
        }
    }
}
