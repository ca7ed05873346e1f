using System.Runtime.InteropServices;
using System.Text;
using DeployOps.Engine.Security;

namespace DeployOps.Engine.Files;

/// <summary>Who may read a file DeployOps replaces.</summary>
internal enum FileReaders
{
    /// <summary>Only DeployOps' user: 0600 whatever the umask (state, journals, manifests, approvals).</summary>
    Owner,

    /// <summary>Whoever the umask lets read it: files other programs read (nginx's include, the app's flag file).</summary>
    Umask,
}

/// <summary>
/// The one way DeployOps replaces a file: a uniquely named temp file in the same folder (hidden, ending in .tmp, so no
/// include glob such as nginx's *.conf picks it up, and two writers never share it), flushed to disk, renamed over the
/// target (rename(2) is atomic on one file system), then the folder itself flushed, so the new name survives a power
/// loss too. A reader sees the old content or the new one, never a partial write; a failed write leaves no temp file.
/// </summary>
internal static class AtomicFile
{
    public static void Write(string path, string content, FileReaders readers) =>
        Write(path, new UTF8Encoding(false).GetBytes(content), readers);

    public static void Write(string path, ReadOnlySpan<byte> content, FileReaders readers)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (readers == FileReaders.Owner) PrivateFiles.EnsureDirectory(directory);
        else Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = readers == FileReaders.Owner
                       ? PrivateFiles.Open(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None)
                       : new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
        FlushDirectory(directory);
    }

    /// <summary>The content, or null when the file does not exist.</summary>
    public static string? ReadOrNull(string path)
    {
        try { return File.ReadAllText(path); }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
    }

    // Identical on x86_64 and aarch64.
    private const int ORdOnly = 0, ODirectory = 0x10000, OCloExec = 0x80000;

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int fd);

    /// <summary>
    /// fsync(2) of the folder makes the rename durable; .NET has no API for it. Best effort: a file system that cannot
    /// sync a directory (EINVAL on some) still has the file's own data on disk.
    /// </summary>
    internal static bool FlushDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux()) return false;
        var fd = Open(directory, ORdOnly | ODirectory | OCloExec);
        if (fd < 0) return false;
        try { return Fsync(fd) == 0; }
        finally { Close(fd); }
    }
}
