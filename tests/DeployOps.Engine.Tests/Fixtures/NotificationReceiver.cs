// Self-contained on purpose: the Pester suites compile this same file with Add-Type in a child pwsh
// (tests/pester/fixtures/NotificationReceiver.ps1), so it uses nothing but the framework.
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace DeployOps.Engine.Tests.Fixtures;

/// <summary>One HTTP request a webhook receiver got.</summary>
public sealed record ReceivedRequest(string Method, string Path, string ContentType, string Body);

/// <summary>One e-mail the SMTP receiver accepted, with the login it was sent under.</summary>
public sealed record ReceivedMail(string From, IReadOnlyList<string> To, string Data, string? User, string? Password);

/// <summary>
/// The real receivers notifications are tested against: a loopback HTTP server that records every request with its
/// body (and answers 500 or not at all when told to), and a small SMTP server speaking enough of RFC 5321 for MailKit
/// (EHLO, AUTH PLAIN/LOGIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT). With a record file each request and mail is also
/// appended to it as one JSON line, for a test in another process.
/// </summary>
public sealed class NotificationReceiver : IDisposable
{
    private readonly TcpListener _http = new(IPAddress.Loopback, 0);
    private readonly TcpListener _smtp = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, int> _failures = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _silent = new(StringComparer.Ordinal);
    private readonly string? _recordFile;
    private readonly object _fileGate = new();

    public NotificationReceiver(string? recordFile = null)
    {
        _recordFile = recordFile;
        _http.Start();
        _smtp.Start();
        HttpPort = ((IPEndPoint)_http.LocalEndpoint).Port;
        SmtpPort = ((IPEndPoint)_smtp.LocalEndpoint).Port;
        _ = Task.Run(() => AcceptAsync(_http, ServeHttpAsync));
        _ = Task.Run(() => AcceptAsync(_smtp, ServeSmtpAsync));
    }

    public int HttpPort { get; }
    public int SmtpPort { get; }
    public string Url(string path) => $"http://127.0.0.1:{HttpPort}{path}";
    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();
    public ConcurrentQueue<ReceivedMail> Mails { get; } = new();
    /// <summary>Requests to a path that got an error or no answer (not in <see cref="Requests"/>).</summary>
    public ConcurrentQueue<string> Refused { get; } = new();

    /// <summary>The next <paramref name="count"/> requests to <paramref name="path"/> get 500.</summary>
    public void FailNext(string path, int count) => _failures[path] = count;

    /// <summary>Requests to <paramref name="path"/> are read but never answered (a hanging receiver).</summary>
    public void NeverAnswer(string path) => _silent[path] = true;

    private async Task AcceptAsync(TcpListener listener, Func<TcpClient, Task> serve)
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            _ = Task.Run(async () =>
            {
                using (client)
                {
                    try { await serve(client); }
                    catch (Exception) { /* a client that gives up is part of what the tests exercise */ }
                }
            });
        }
    }

    private async Task ServeHttpAsync(TcpClient client)
    {
        var stream = client.GetStream();
        var head = await ReadUntilAsync(stream, "\r\n\r\n");
        if (head is null) return;
        var lines = head.Split("\r\n");
        var requestLine = lines[0].Split(' ');
        var (method, path) = (requestLine[0], requestLine.Length > 1 ? requestLine[1] : "/");
        var length = 0;
        var contentType = "";
        foreach (var line in lines)
        {
            var colon = line.IndexOf(':');
            if (colon < 0) continue;
            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)) length = int.Parse(value);
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)) contentType = value;
        }
        var body = new byte[length];
        for (var read = 0; read < length;)
        {
            var n = await stream.ReadAsync(body.AsMemory(read), _stop.Token);
            if (n == 0) return;
            read += n;
        }
        if (_silent.ContainsKey(path))
        {
            Refused.Enqueue(path);
            await Task.Delay(Timeout.Infinite, _stop.Token);
            return;
        }
        var status = 200;
        if (_failures.TryGetValue(path, out var left) && left > 0)
        {
            _failures[path] = left - 1;
            status = 500;
            Refused.Enqueue(path);
        }
        else
        {
            var request = new ReceivedRequest(method, path, contentType, Encoding.UTF8.GetString(body));
            Requests.Enqueue(request);
            Record("http", request);
        }
        var answer = status == 200 ? "ok" : "receiver failure";
        var response = $"HTTP/1.1 {status} {(status == 200 ? "OK" : "Internal Server Error")}\r\nContent-Type: text/plain\r\n" +
                       $"Content-Length: {answer.Length}\r\nConnection: close\r\n\r\n{answer}";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(response), _stop.Token);
    }

    private async Task ServeSmtpAsync(TcpClient client)
    {
        var stream = client.GetStream();
        async Task Say(string line) => await stream.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n"), _stop.Token);
        await Say("220 localhost DeployOps test SMTP");
        string? from = null, user = null, password = null;
        var to = new List<string>();
        while (await ReadUntilAsync(stream, "\r\n") is { } raw)
        {
            var line = raw[..^2];
            var verb = line.Split(' ')[0].ToUpperInvariant();
            switch (verb)
            {
                case "EHLO":
                    await Say("250-localhost\r\n250-AUTH PLAIN LOGIN\r\n250-8BITMIME\r\n250 SIZE 10485760");
                    break;
                case "HELO" or "NOOP" or "RSET":
                    if (verb == "RSET") { from = null; to.Clear(); }
                    await Say("250 OK");
                    break;
                case "AUTH":
                    var parts = line.Split(' ');
                    if (parts[1].Equals("PLAIN", StringComparison.OrdinalIgnoreCase))
                    {
                        var initial = parts.Length > 2 ? parts[2] : null;
                        if (initial is null)
                        {
                            await Say("334 ");
                            initial = (await ReadUntilAsync(stream, "\r\n"))?.TrimEnd();
                        }
                        var fields = Encoding.UTF8.GetString(Convert.FromBase64String(initial ?? "")).Split('\0');
                        (user, password) = (fields[1], fields[2]);
                    }
                    else
                    {
                        await Say("334 VXNlcm5hbWU6");
                        user = Encoding.UTF8.GetString(Convert.FromBase64String((await ReadUntilAsync(stream, "\r\n"))?.TrimEnd() ?? ""));
                        await Say("334 UGFzc3dvcmQ6");
                        password = Encoding.UTF8.GetString(Convert.FromBase64String((await ReadUntilAsync(stream, "\r\n"))?.TrimEnd() ?? ""));
                    }
                    await Say("235 2.7.0 Authentication successful");
                    break;
                case "MAIL":
                    from = Address(line);
                    await Say("250 OK");
                    break;
                case "RCPT":
                    to.Add(Address(line));
                    await Say("250 OK");
                    break;
                case "DATA":
                    await Say("354 End data with <CR><LF>.<CR><LF>");
                    var data = await ReadUntilAsync(stream, "\r\n.\r\n") ?? "";
                    data = data[..^5].Replace("\r\n..", "\r\n.", StringComparison.Ordinal);
                    var mail = new ReceivedMail(from ?? "", to.ToArray(), data, user, password);
                    Mails.Enqueue(mail);
                    Record("smtp", mail);
                    to.Clear();
                    await Say("250 OK queued");
                    break;
                case "QUIT":
                    await Say("221 Bye");
                    return;
                default:
                    await Say("502 Command not implemented");
                    break;
            }
        }
    }

    private static string Address(string line)
    {
        var start = line.IndexOf('<');
        var end = line.IndexOf('>');
        return start >= 0 && end > start ? line[(start + 1)..end] : line[(line.IndexOf(':') + 1)..].Trim();
    }

    /// <summary>Reads byte by byte up to and including <paramref name="terminator"/>; null at end of stream (bounded: 4 MiB).</summary>
    private async Task<string?> ReadUntilAsync(Stream stream, string terminator)
    {
        var buffer = new List<byte>();
        var one = new byte[1];
        var end = Encoding.ASCII.GetBytes(terminator);
        while (buffer.Count < 4 * 1024 * 1024)
        {
            if (await stream.ReadAsync(one, _stop.Token) == 0) return null;
            buffer.Add(one[0]);
            if (buffer.Count < end.Length) continue;
            var match = true;
            for (var i = 0; i < end.Length && match; i++) match = buffer[buffer.Count - end.Length + i] == end[i];
            if (match) return Encoding.UTF8.GetString(buffer.ToArray());
        }
        return null;
    }

    private void Record(string kind, object item)
    {
        if (_recordFile is null) return;
        var line = JsonSerializer.Serialize(new Dictionary<string, object> { ["kind"] = kind, ["item"] = item }) + "\n";
        lock (_fileGate) File.AppendAllText(_recordFile, line);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _http.Stop();
        _smtp.Stop();
        _stop.Dispose();
    }
}
