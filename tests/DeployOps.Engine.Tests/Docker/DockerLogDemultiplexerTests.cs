using System.Text;
using DeployOps.Engine.Clients.Docker;

namespace DeployOps.Engine.Tests.Docker;

public sealed class DockerLogDemultiplexerTests
{
    private static byte[] Frame(byte stream, string text)
    {
        var payload = Encoding.UTF8.GetBytes(text);
        var frame = new byte[8 + payload.Length];
        frame[0] = stream;
        frame[4] = (byte)(payload.Length >> 24);
        frame[5] = (byte)(payload.Length >> 16);
        frame[6] = (byte)(payload.Length >> 8);
        frame[7] = (byte)payload.Length;
        payload.CopyTo(frame, 8);
        return frame;
    }

    [Fact]
    public async Task Separates_stdout_from_stderr_and_joins_lines_split_across_frames()
    {
        var bytes = Frame(1, "hello wo").Concat(Frame(2, "oops\n")).Concat(Frame(1, "rld\nsecond\n")).Concat(Frame(1, "no newline"))
            .ToArray();
        var lines = await DockerLogDemultiplexer.ReadAsync(new MemoryStream(bytes), CancellationToken.None);
        Assert.Equal(new[]
        {
            new DockerLogLine(DockerLogStream.Stderr, "oops"),
            new DockerLogLine(DockerLogStream.Stdout, "hello world"),
            new DockerLogLine(DockerLogStream.Stdout, "second"),
            new DockerLogLine(DockerLogStream.Stdout, "no newline"),
        }, lines);
    }

    [Fact]
    public async Task Reads_a_raw_tty_stream_as_stdout()
    {
        var lines = await DockerLogDemultiplexer.ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes("plain text\r\nmore\n")), CancellationToken.None);
        Assert.Equal(new[] { new DockerLogLine(DockerLogStream.Stdout, "plain text"), new DockerLogLine(DockerLogStream.Stdout, "more") }, lines);
    }

    [Fact]
    public async Task A_truncated_frame_is_an_error_not_silently_dropped()
    {
        var bytes = Frame(1, "complete\n").Concat(Frame(1, "truncated").Take(12)).ToArray();
        await Assert.ThrowsAsync<IOException>(() => DockerLogDemultiplexer.ReadAsync(new MemoryStream(bytes), CancellationToken.None));
    }
}
