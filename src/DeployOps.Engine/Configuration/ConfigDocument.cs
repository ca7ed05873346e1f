using System.Text;
using DeployOps.Engine.Files;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace DeployOps.Engine.Configuration;

/// <summary>
/// deployops.yaml read so that no file can hang, crash or exhaust the host: a regular file of at most
/// <see cref="MaxFileBytes"/>, valid UTF-8 without NUL, and a YAML event stream checked by <see cref="YamlEventGuard"/>
/// before any tree is built. <see cref="Root"/> is the top-level mapping, or null with located <see cref="Errors"/>.
/// </summary>
internal sealed class ConfigDocument
{
    public const int MaxFileBytes = 1024 * 1024;
    public const int MaxDepth = 64;
    public const int MaxAliasNodes = 10_000;

    private ConfigDocument(YamlMappingNode? root, IReadOnlyList<ConfigError> errors)
    {
        Root = root;
        Errors = errors;
    }

    public YamlMappingNode? Root { get; }
    public IReadOnlyList<ConfigError> Errors { get; }

    public static ConfigDocument Read(string path, CancellationToken ct = default)
    {
        ConfigDocument Fail(int line, int column, string message) => new(null, new[] { new ConfigError(path, line, column, "", message) });

        if (!BoundedFileReader.TryRead(path, MaxFileBytes, out var bytes, out var refused, ct))
            return Fail(1, 1, $"the configuration file {refused}");
        if (FirstBadByte(bytes) is { } bad)
            return Fail(bad.Line, bad.Column, bad.Message);
        var text = Encoding.UTF8.GetString(bytes);
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];

        var problems = YamlEventGuard.Check(path, text);
        if (problems.Count > 0) return new ConfigDocument(null, problems);

        var stream = new YamlStream();
        try
        {
            stream.Load(new Parser(new StringReader(text)));
        }
        catch (Exception ex) when (ex is YamlException or InvalidOperationException or ArgumentException)
        {
            // The guard parsed the same text already; this is a last line of defence, located as well as it can be.
            var (line, column) = Locate(text, ex is YamlException y ? y.Start : new Mark());
            return Fail(line, column, "YAML error: " + ex.Message);
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            var (line, column) = stream.Documents.Count == 0 ? (1, 1) : Locate(text, stream.Documents[0].RootNode.Start);
            return Fail(line, column, "the file must be a mapping with at least 'application' and 'environment'");
        }
        return new ConfigDocument(root, Array.Empty<ConfigError>());
    }

    /// <summary>
    /// A 1-based position for a parser mark. Some end-of-stream errors carry no position (line 0): those are placed
    /// at the end of the text, which is where a truncated file went wrong.
    /// </summary>
    public static (int Line, int Column) Locate(string text, Mark at)
    {
        if (at.Line >= 1) return ((int)Math.Min(at.Line, int.MaxValue), (int)Math.Clamp(at.Column, 1, int.MaxValue));
        var lines = 1;
        var lastStart = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\n' || i == text.Length - 1) continue;
            lines++;
            lastStart = i + 1;
        }
        return (lines, text.Length - lastStart + 1);
    }

    /// <summary>The first byte sequence that is not UTF-8, or the first NUL, with its line and column.</summary>
    private static (int Line, int Column, string Message)? FirstBadByte(ReadOnlySpan<byte> bytes)
    {
        int line = 1, column = 1, offset = 0;
        while (offset < bytes.Length)
        {
            var status = System.Text.Rune.DecodeFromUtf8(bytes[offset..], out var rune, out var consumed);
            if (status != System.Buffers.OperationStatus.Done)
                return (line, column, $"not UTF-8 text: invalid byte 0x{bytes[offset]:X2} at offset {offset}; save the file as UTF-8");
            if (rune.Value == 0)
                return (line, column, $"contains a NUL byte at offset {offset}; a configuration is text");
            if (rune.Value == '\n') { line++; column = 1; }
            else column++;
            offset += consumed;
        }
        return null;
    }
}
