using DeployOps.Engine.Processes;

namespace DeployOps.Engine.Clients.Docker;

/// <summary>
/// ssh://[user@]host[:port]: one connection to the daemon is one <c>ssh -- host docker system dial-stdio</c>, exactly
/// what the docker CLI runs; the remote docker CLI relays its stdio to the daemon's socket. Authentication, host keys
/// and jump hosts are ssh's own (~/.ssh/config, the agent); BatchMode keeps it from ever prompting.
/// </summary>
internal sealed class SshDialStdio : Stream
{
    private readonly ChildProcess _ssh;
    private readonly Stream _read;
    private readonly Stream _write;

    private SshDialStdio(ChildProcess ssh)
    {
        _ssh = ssh;
        _read = ssh.StandardOutput;
        _write = ssh.StandardInput;
    }

    /// <summary>The ssh argument vector for <paramref name="endpoint"/>; the host follows "--" so it is never read as an option.</summary>
    internal static IReadOnlyList<string> Arguments(DockerEndpoint endpoint)
    {
        var args = new List<string> { "-o", "BatchMode=yes", "-o", "ConnectTimeout=30", "-T" };
        if (endpoint.User is { } user) args.AddRange(new[] { "-l", user });
        if (endpoint.Port is { } port) args.AddRange(new[] { "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        if (endpoint.Ssh?.IdentityFile is { } key) args.AddRange(new[] { "-i", key, "-o", "IdentitiesOnly=yes" });
        // A configured known_hosts file is the only one: an unknown or changed host key is refused, never learnt.
        if (endpoint.Ssh?.KnownHostsFile is { } known)
            args.AddRange(new[] { "-o", "UserKnownHostsFile=" + known, "-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes" });
        args.AddRange(new[] { "--", endpoint.Host!, "docker", "system", "dial-stdio" });
        return args;
    }

    public static async Task<Stream> StartAsync(DockerEndpoint endpoint, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var ssh = await ChildProcess.StartAsync(new ChildProcessSpec
        {
            FileName = "ssh",
            Arguments = Arguments(endpoint),
            WritesStandardInput = true,
            ReadsStandardOutput = true,
        }, onLine: null).ConfigureAwait(false);
        return new SshDialStdio(ssh);
    }

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => _read.Read(buffer, offset, count);
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _read.ReadAsync(buffer, cancellationToken);
    public override void Write(byte[] buffer, int offset, int count) => _write.Write(buffer, offset, count);
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _write.WriteAsync(buffer, cancellationToken);
    public override void Flush() => _write.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => _write.FlushAsync(cancellationToken);
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // The connection is done with: ssh and the remote relay go with it.
            _ssh.Kill();
            _ssh.Dispose();
        }
        base.Dispose(disposing);
    }
}
