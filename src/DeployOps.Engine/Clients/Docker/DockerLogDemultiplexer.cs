using System.Buffers.Binary;
using System.Text;

namespace DeployOps.Engine.Clients.Docker;

/// <summary>
/// Splits Docker's multiplexed log stream into lines. Without a TTY each chunk is framed by an 8-byte header:
/// stream type (0 stdin, 1 stdout, 2 stderr), three zero bytes, then the payload length as big-endian uint32.
/// A line may span frames, so bytes are kept per stream until a newline arrives. Streams from TTY containers carry
/// no headers; they are recognised by their first bytes and read as plain stdout.
/// </summary>
internal static class DockerLogDemultiplexer
{
    public static async Task<IReadOnlyList<DockerLogLine>> ReadAsync(Stream stream, CancellationToken ct)
    {
        var lines = new List<DockerLogLine>();
        var pending = new Dictionary<DockerLogStream, MemoryStream>();
        var header = new byte[8];
        var first = true;
        while (true)
        {
            var read = await ReadFullyAsync(stream, header, ct).ConfigureAwait(false);
            if (read == 0) break;
            if (first && (read < 8 || header[0] > 2 || header[1] != 0 || header[2] != 0 || header[3] != 0))
            {
                // Raw (TTY) stream: what we took for a header is already text.
                using var rest = new MemoryStream();
                rest.Write(header, 0, read);
                await stream.CopyToAsync(rest, ct).ConfigureAwait(false);
                Emit(lines, DockerLogStream.Stdout, rest, flush: true);
                return lines;
            }
            first = false;
            if (read < 8) throw new IOException("Docker log stream ended inside a frame header");
            var kind = (DockerLogStream)header[0];
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4));
            var payload = new byte[length];
            if (await ReadFullyAsync(stream, payload, ct).ConfigureAwait(false) < length)
                throw new IOException("Docker log stream ended inside a frame");
            if (!pending.TryGetValue(kind, out var buffer)) pending[kind] = buffer = new MemoryStream();
            buffer.Write(payload);
            Emit(lines, kind, buffer, flush: false);
        }
        foreach (var (kind, buffer) in pending) Emit(lines, kind, buffer, flush: true);
        return lines;
    }

    /// <summary>Moves every complete line (all of it when flushing) from <paramref name="buffer"/> to <paramref name="lines"/>.</summary>
    private static void Emit(List<DockerLogLine> lines, DockerLogStream kind, MemoryStream buffer, bool flush)
    {
        var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        var consumed = 0;
        int newline;
        while ((newline = bytes[consumed..].IndexOf((byte)'\n')) >= 0)
        {
            lines.Add(new DockerLogLine(kind, Encoding.UTF8.GetString(bytes.Slice(consumed, newline)).TrimEnd('\r')));
            consumed += newline + 1;
        }
        if (flush && consumed < bytes.Length)
        {
            lines.Add(new DockerLogLine(kind, Encoding.UTF8.GetString(bytes[consumed..]).TrimEnd('\r')));
            consumed = bytes.Length;
        }
        var rest = bytes[consumed..].ToArray();
        buffer.SetLength(0);
        buffer.Write(rest);
    }

    private static async Task<int> ReadFullyAsync(Stream stream, byte[] buffer, CancellationToken ct)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(total), ct).ConfigureAwait(false);
            if (n == 0) break;
            total += n;
        }
        return total;
    }
}
