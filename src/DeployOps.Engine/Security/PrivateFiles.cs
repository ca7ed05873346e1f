namespace DeployOps.Engine.Security;

/// <summary>
/// The one way DeployOps creates files and folders that hold deployment data (state, journals, audit log, logs,
/// incidents, backups, recordings, approvals, image backups): folders 0700, files 0600, whatever the umask and
/// wherever they are configured. The mode is given to mkdir/open and then set explicitly, because a configured
/// folder outside the 0700 state directory is not protected by its parent.
/// </summary>
internal static class PrivateFiles
{
    public const UnixFileMode DirectoryPermissions = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode FilePermissions = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates <paramref name="directory"/> (and missing parents) 0700; an existing folder keeps its mode.</summary>
    public static string EnsureDirectory(string directory)
    {
        if (Directory.Exists(directory)) return directory;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
            return directory;
        }
        // Each missing level is created 0700 (the parents too: they lead to the data).
        var missing = new Stack<string>();
        for (var d = Path.GetFullPath(directory); !Directory.Exists(d); d = Path.GetDirectoryName(d)!)
        {
            missing.Push(d);
            if (Path.GetDirectoryName(d) is null) break;
        }
        foreach (var d in missing)
        {
            Directory.CreateDirectory(d, DirectoryPermissions);
            File.SetUnixFileMode(d, DirectoryPermissions);
        }
        return directory;
    }

    /// <summary>
    /// Opens <paramref name="path"/> like <see cref="FileStream"/>; a file this call creates is 0600 from the start,
    /// and its folder is created 0700 when missing.
    /// </summary>
    public static FileStream Open(string path, FileMode mode, FileAccess access, FileShare share, int bufferSize = 4096,
        FileOptions options = FileOptions.None)
    {
        EnsureDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var creates = mode is FileMode.Create or FileMode.CreateNew or FileMode.OpenOrCreate
            or FileMode.Append;
        var existed = creates && File.Exists(path);
        var streamOptions = new FileStreamOptions
        {
            Mode = mode, Access = access, Share = share, BufferSize = bufferSize, Options = options,
        };
        if (creates && !OperatingSystem.IsWindows()) streamOptions.UnixCreateMode = FilePermissions;
        var stream = new FileStream(path, streamOptions);
        // open(2) applies the umask to the create mode; a umask can only take bits away, but say it explicitly.
        if (creates && !existed && !OperatingSystem.IsWindows()) File.SetUnixFileMode(stream.SafeFileHandle, FilePermissions);
        return stream;
    }

    /// <summary>Writes (replaces) a whole text file, UTF-8 without BOM, 0600.</summary>
    public static void WriteAllText(string path, string text)
    {
        using var stream = Open(path, FileMode.Create, FileAccess.Write, FileShare.None);
        var bytes = new System.Text.UTF8Encoding(false).GetBytes(text);
        stream.Write(bytes);
    }

    /// <summary>Creates an empty 0600 file for a child process (pg_dump) to write into: it keeps the mode of an existing file.</summary>
    public static void CreateEmpty(string path)
    {
        using var _ = Open(path, FileMode.Create, FileAccess.Write, FileShare.None);
    }

    /// <summary>
    /// Makes a folder a child process created (pg_dump's directory format) private: the folder and its subfolders
    /// 0700, its files 0600. The child's own umask decided their modes; symbolic links are not followed.
    /// </summary>
    public static void RestrictTree(string directory)
    {
        if (OperatingSystem.IsWindows()) return;
        File.SetUnixFileMode(directory, DirectoryPermissions);
        foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos("*", SearchOption.TopDirectoryOnly))
        {
            if (entry.LinkTarget is not null) continue;
            if (entry is DirectoryInfo sub) RestrictTree(sub.FullName);
            else File.SetUnixFileMode(entry.FullName, FilePermissions);
        }
    }
}
