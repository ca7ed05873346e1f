using Microsoft.Win32.SafeHandles;

namespace DeployOps.Engine.Files;

/// <summary>
/// The one way to read a file that configuration names (the configuration itself, <c>${file:…}</c> secrets): only a
/// regular file, at most a given size, cancellable between chunks. A FIFO, device, socket or directory is refused by
/// its kind before anything could block on it, so no configuration can hang a command or fill memory with
/// <c>/dev/zero</c>. Problems come back as text ("is a FIFO") for the caller to locate in its own terms.
/// </summary>
internal static class BoundedFileReader
{
    private const int Chunk = 64 * 1024;
    private const int ENoEnt = 2, ENxIo = 6, EAcces = 13, ENotDir = 20, ELoop = 40;

    /// <summary>
    /// Reads the whole file when it is a regular file of at most <paramref name="maxBytes"/>; otherwise false with
    /// <paramref name="problem"/> completing the sentence "'path' …" (e.g. "is a directory").
    /// </summary>
    public static bool TryRead(string path, int maxBytes, out byte[] content, out string problem, CancellationToken ct = default)
    {
        content = Array.Empty<byte>();
        problem = "";
        if (!OperatingSystem.IsLinux()) return TryReadPortable(path, maxBytes, out content, out problem, ct);

        var (kind, size, errno) = FileKindProbe.Stat(path);
        if (errno != 0) return Fail(Describe(errno), out problem);
        if (kind != FileKind.Regular) return Fail(Describe(kind), out problem);
        if (size > maxBytes) return Fail(TooLarge(size, maxBytes), out problem);

        var fd = FileKindProbe.OpenForReading(path);
        if (fd < 0) return Fail(Describe(-fd), out problem);
        using var handle = new SafeFileHandle((IntPtr)fd, ownsHandle: true);
        // Checked again on the open descriptor: the path may have been swapped for a FIFO since the first look.
        var (openedKind, _, _) = FileKindProbe.Stat(fd);
        if (openedKind != FileKind.Regular) return Fail(Describe(openedKind), out problem);
        return ReadCapped(handle, maxBytes, out content, out problem, ct);
    }

    /// <summary>Human wording of a size limit: 64 KiB, 1 MiB.</summary>
    public static string FormatLimit(int bytes) =>
        bytes % (1024 * 1024) == 0 ? $"{bytes / (1024 * 1024)} MiB" : bytes % 1024 == 0 ? $"{bytes / 1024} KiB" : $"{bytes} bytes";

    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Missing => "does not exist",
        FileKind.Directory => "is a directory, not a file",
        FileKind.Fifo => "is a FIFO (named pipe), not a regular file",
        FileKind.CharacterDevice => "is a character device, not a regular file",
        FileKind.BlockDevice => "is a block device, not a regular file",
        FileKind.Socket => "is a socket, not a regular file",
        _ => "is not a regular file",
    };

    private static string Describe(int errno) => errno switch
    {
        ENoEnt => "does not exist",
        ENotDir => "does not exist (a part of the path is not a directory)",
        EAcces => "cannot be read: permission denied",
        ELoop => "cannot be read: too many levels of symbolic links",
        ENxIo => "is not a regular file",
        _ => $"cannot be read (errno {errno})",
    };

    private static string TooLarge(long size, int maxBytes) => $"is larger than {FormatLimit(maxBytes)} ({size} bytes or more)";

    private static bool ReadCapped(SafeFileHandle handle, int maxBytes, out byte[] content, out string problem, CancellationToken ct)
    {
        content = Array.Empty<byte>();
        problem = "";
        // One byte past the limit tells "exactly at the limit" from "above it" even where stat reports size 0 (/proc).
        var buffer = new byte[Math.Min(maxBytes + 1, Chunk)];
        var total = 0;
        try
        {
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                if (total == buffer.Length)
                {
                    if (total > maxBytes) return Fail(TooLarge(total, maxBytes), out problem);
                    Array.Resize(ref buffer, Math.Min(maxBytes + 1, buffer.Length * 2));
                }
                var read = RandomAccess.Read(handle, buffer.AsSpan(total), total);
                if (read == 0) break;
                total += read;
            }
        }
        catch (IOException ex)
        {
            return Fail($"cannot be read: {ex.Message}", out problem);
        }
        if (total > maxBytes) return Fail(TooLarge(total, maxBytes), out problem);
        content = buffer.AsSpan(0, total).ToArray();
        return true;
    }

    /// <summary>Windows and others: no FIFOs or devices in the file namespace to fear, so .NET's own checks do.</summary>
    private static bool TryReadPortable(string path, int maxBytes, out byte[] content, out string problem, CancellationToken ct)
    {
        content = Array.Empty<byte>();
        problem = "";
        if (Directory.Exists(path)) return Fail(Describe(FileKind.Directory), out problem);
        if (!File.Exists(path)) return Fail(Describe(FileKind.Missing), out problem);
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return ReadCapped(handle, maxBytes, out content, out problem, ct);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Fail($"cannot be read: {ex.Message}", out problem);
        }
    }

    private static bool Fail(string message, out string problem)
    {
        problem = message;
        return false;
    }
}
