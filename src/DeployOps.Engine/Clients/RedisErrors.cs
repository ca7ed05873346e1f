using System.Globalization;
using System.Net.Sockets;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using StackExchange.Redis;

namespace DeployOps.Engine.Clients;

/// <summary>
/// Says what went wrong with Redis in terms an admin can act on (unreachable, refused, authentication, timeout),
/// instead of the client library's advice about its own options ("AbortOnConnectFail", "SyncTimeout").
/// </summary>
internal static class RedisErrors
{
    /// <summary>
    /// RedisUnreachable for the server of <paramref name="settings"/>, worded from <paramref name="ex"/> (or from
    /// <paramref name="tlsFailure"/>, why our certificate validation refused the handshake).
    /// </summary>
    public static DeployOpsException Translate(Exception ex, RedisSettings settings, string doing, string? tlsFailure)
    {
        var why = tlsFailure ?? Describe(ex, settings.ConnectTimeout, settings.Password is not null, settings.User);
        return new(ErrorIds.RedisUnreachable, ErrorKind.ConnectionError, $"{doing} Redis at {settings.Endpoint}: {why}", settings.Endpoint, ex);
    }

    /// <summary>True for the exceptions <see cref="Translate"/> understands (the library's and the socket's).</summary>
    public static bool IsRedisFailure(Exception ex) => ex is RedisException or TimeoutException or SocketException or IOException;

    public static string Describe(Exception ex, TimeSpan timeout, bool passwordSent, string? user = null)
    {
        var text = Messages(ex);
        var ms = ((long)timeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        if (Has(text, "NOAUTH") || (!passwordSent && Has(text, "AUTH")))
            return "the server requires a password and none was sent (set redis.password to a ${env:…} reference)";
        if (Has(text, "WRONGPASS") || Has(text, "invalid password") || Has(text, "invalid username-password")
            || ex is RedisConnectionException { FailureType: ConnectionFailureType.AuthenticationFailure } || Has(text, "AUTH"))
            return user is null
                ? "authentication failed (check the password reference)"
                : $"authentication failed for ACL user '{user}' (check redis.user, the password reference and that the user is enabled)";
        if (Has(text, "LOADING"))
            return "the server is still loading its data set; try again when it has started";
        if (Find<SocketException>(ex) is { } socket)
        {
            return socket.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused (nothing is listening)",
                SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData => "the host name does not resolve",
                SocketError.TimedOut => $"no connection within {ms} ms (connectTimeout)",
                SocketError.ConnectionReset or SocketError.Shutdown => "the server closed the connection",
                _ => $"network error: {socket.SocketErrorCode}",
            };
        }
        if (ex is RedisTimeoutException or TimeoutException || Has(text, "Timeout"))
            return $"no answer within {ms} ms (connectTimeout): the server is overloaded, blocked or not a Redis server";
        if (ex is RedisConnectionException connection)
            return connection.FailureType switch
            {
                ConnectionFailureType.UnableToResolvePhysicalConnection or ConnectionFailureType.UnableToConnect =>
                    $"unreachable (no Redis answered within {ms} ms, the connectTimeout): is it running, and is the endpoint right?",
                ConnectionFailureType.SocketClosed or ConnectionFailureType.SocketFailure => "the connection was lost (the server closed it or stopped)",
                ConnectionFailureType.ProtocolFailure => "the server at that address does not speak the Redis protocol",
                _ => $"the connection failed ({connection.FailureType})",
            };
        if (ex is RedisServerException server) return $"the server refused the command: {server.Message}";
        return $"unexpected failure: {FirstSentence(ex.Message)}";
    }

    private static string Messages(Exception ex)
    {
        var all = new List<string>();
        for (Exception? e = ex; e is not null; e = e.InnerException) all.Add(e.Message);
        return string.Join(" | ", all);
    }

    private static bool Has(string text, string word) => text.Contains(word, StringComparison.OrdinalIgnoreCase);

    private static T? Find<T>(Exception ex) where T : Exception
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
            if (e is T found) return found;
        return null;
    }

    // The library appends its own tuning advice after the first sentence ("…; to create a disconnected multiplexer, disable AbortOnConnectFail").
    private static string FirstSentence(string message)
    {
        var cut = message.IndexOfAny(new[] { ';', '\n' });
        return cut > 0 ? message[..cut] : message;
    }
}
