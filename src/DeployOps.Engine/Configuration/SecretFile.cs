using System.Text;
using DeployOps.Engine.Files;

namespace DeployOps.Engine.Configuration;

/// <summary>
/// The content of a <c>${file:path}</c> secret: a regular file of at most <see cref="MaxBytes"/>, UTF-8 text without
/// NUL, not empty once its trailing newline is dropped. Anything else is a problem naming the file, never a hang
/// (FIFO, /dev/urandom) or an out-of-memory (/dev/zero, a 50 MB file).
/// </summary>
internal static class SecretFile
{
    /// <summary>64 KiB: far above any password, key or token, far below what could hurt the host.</summary>
    public const int MaxBytes = 64 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The secret, or null with <paramref name="problem"/> naming the file and what is wrong with it.</summary>
    public static string? Read(string path, string reference, out string? problem)
    {
        problem = null;
        var what = $"secret file '{path}' (referenced as ${{file:{reference}}})";
        if (!BoundedFileReader.TryRead(path, MaxBytes, out var bytes, out var refused))
        {
            problem = $"{what} {refused}";
            return null;
        }
        string text;
        try
        {
            text = StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException ex)
        {
            problem = $"{what} is not UTF-8 text (invalid byte at offset {ex.Index})";
            return null;
        }
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
        var nul = text.IndexOf('\0', StringComparison.Ordinal);
        if (nul >= 0)
        {
            problem = $"{what} contains a NUL character (at offset {nul}); a secret is text";
            return null;
        }
        text = text.TrimEnd('\r', '\n');
        if (text.Length == 0)
        {
            problem = $"{what} is empty";
            return null;
        }
        return text;
    }
}
