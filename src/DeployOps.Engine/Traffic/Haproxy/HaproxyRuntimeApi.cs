using System.Net.Sockets;
using System.Text;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Traffic.Haproxy;

/// <summary>
/// One command at a time over HAProxy's admin socket (non-interactive mode: send a line, read until haproxy closes).
/// A missing or dead socket is RouterUnavailable; an answer that is not success is returned for the caller to judge.
/// </summary>
internal sealed class HaproxyRuntimeApi
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private readonly string _socket;

    public HaproxyRuntimeApi(string socket) => _socket = socket;

    public async Task<string> SendAsync(string command, CancellationToken cancellationToken)
    {
        if (!File.Exists(_socket))
            throw Unavailable($"its admin socket {_socket} does not exist: is haproxy running, and does haproxy.cfg open it with " +
                $"'stats socket {_socket} level admin'?");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(_socket), timeout.Token).ConfigureAwait(false);
            await socket.SendAsync(Encoding.ASCII.GetBytes(command + "\n"), SocketFlags.None, timeout.Token).ConfigureAwait(false);
            var answer = new StringBuilder();
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token).ConfigureAwait(false)) > 0)
                answer.Append(Encoding.UTF8.GetString(buffer, 0, read));
            var text = answer.ToString();
            if (text.StartsWith("Permission denied", StringComparison.Ordinal))
                throw new DeployOpsException(ErrorIds.TrafficConfigInvalid, ErrorKind.PermissionDenied,
                    $"haproxy refused '{command}' on {_socket}: the socket is not at 'level admin' in haproxy.cfg", _socket);
            return text;
        }
        catch (SocketException ex)
        {
            throw Unavailable(ex.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => $"nothing listens on its admin socket {_socket} (a file left behind: haproxy is not running)",
                SocketError.AccessDenied => $"user {Environment.UserName} may not open its admin socket {_socket} (check the 'mode'/'user' of 'stats socket')",
                _ => $"its admin socket {_socket} failed: {ex.Message}",
            }, ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw Unavailable($"'{command}' on its admin socket {_socket} got no answer within {Timeout.TotalSeconds:0} s", ex);
        }
    }

    private DeployOpsException Unavailable(string detail, Exception? inner = null) =>
        new(ErrorIds.RouterUnavailable, ErrorKind.ConnectionError, $"haproxy cannot be driven: {detail}", _socket, inner);
}
