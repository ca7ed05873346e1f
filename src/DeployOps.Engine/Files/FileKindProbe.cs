using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace DeployOps.Engine.Files;

/// <summary>What a path names, as stat(2) reports it.</summary>
internal enum FileKind
{
    Missing,
    Regular,
    Directory,
    Fifo,
    CharacterDevice,
    BlockDevice,
    Socket,
    Other,
}

/// <summary>
/// Linux statx(2) and open(2) for <see cref="BoundedFileReader"/>: .NET cannot tell a FIFO or a device from a file
/// without opening it, and opening a FIFO for reading blocks until a writer appears. statx's buffer layout is the
/// same on every Linux architecture (unlike struct stat), so reading two fields from it needs no per-arch struct.
/// </summary>
internal static class FileKindProbe
{
    private const int AtFdCwd = -100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxType = 0x1, StatxSize = 0x200;
    private const int StatxBufferSize = 256, ModeOffset = 28, SizeOffset = 40;
    // Identical on x86_64 and aarch64. O_NONBLOCK makes open() of a FIFO return at once instead of waiting for a
    // writer; O_NOCTTY keeps a terminal from becoming ours. Both are no-ops for the regular files we go on to read.
    private const int ORdOnly = 0, ONonBlock = 0x800, ONoCtty = 0x100, OCloExec = 0x80000;

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    /// <summary>The kind and size of what <paramref name="path"/> names (following symbolic links), or an errno.</summary>
    public static (FileKind Kind, long Size, int Errno) Stat(string path) => Decode(Statx(AtFdCwd, path, 0, StatxType | StatxSize, NewBuffer(out var b)), b);

    /// <summary>The kind and size of an open descriptor.</summary>
    public static (FileKind Kind, long Size, int Errno) Stat(int fd) => Decode(Statx(fd, "", AtEmptyPath, StatxType | StatxSize, NewBuffer(out var b)), b);

    /// <summary>Opens for reading without ever blocking in open(); the descriptor or -errno.</summary>
    public static int OpenForReading(string path)
    {
        var fd = Open(path, ORdOnly | ONonBlock | ONoCtty | OCloExec);
        return fd >= 0 ? fd : -Marshal.GetLastPInvokeError();
    }

    private static byte[] NewBuffer(out byte[] buffer) => buffer = new byte[StatxBufferSize];

    private static (FileKind, long, int) Decode(int result, byte[] buffer)
    {
        if (result != 0) return (FileKind.Missing, 0, Marshal.GetLastPInvokeError());
        var mode = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(ModeOffset)) & 0xF000;
        var size = BinaryPrimitives.ReadInt64LittleEndian(buffer.AsSpan(SizeOffset));
        var kind = mode switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0x1000 => FileKind.Fifo,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            0xC000 => FileKind.Socket,
            _ => FileKind.Other,
        };
        return (kind, size, 0);
    }
}
