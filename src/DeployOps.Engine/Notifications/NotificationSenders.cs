using System.Net;
using System.Text;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace DeployOps.Engine.Notifications;

/// <summary>One delivery attempt per call; the caller bounds it (timeout token) and retries.</summary>
internal static class NotificationSenders
{
    // One client for the process: sockets are pooled. No redirects: a redirect could carry the message (and the
    // secret URL's token in a Referer-less hop) somewhere the configuration never named.
    private static readonly HttpClient Http = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        UseProxy = true,
    })
    {
        Timeout = System.Threading.Timeout.InfiniteTimeSpan, // bounded per attempt by the caller's token
    };

    public static Task SendAsync(NotificationTarget target, NotificationMessage message, CancellationToken ct) =>
        target.Kind == NotificationTargetKind.Email
            ? SendMailAsync(target.Email!, message, ct)
            : PostAsync(target.Url!, NotificationPayloads.Json(target.Kind, message), ct);

    private static async Task PostAsync(string url, string json, CancellationToken ct)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await Http.PostAsync(url, content, ct).ConfigureAwait(false);
        if (response.IsSuccessStatusCode) return;
        var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        throw new NotificationFailedException(
            $"HTTP {(int)response.StatusCode} {ReasonOf(response.StatusCode)}{(body.Length == 0 ? "" : ": " + Shorten(body))}");
    }

    private static async Task SendMailAsync(EmailSettings settings, NotificationMessage message, CancellationToken ct)
    {
        var mail = new MimeMessage();
        mail.From.Add(MailboxAddress.Parse(settings.From));
        foreach (var to in settings.To) mail.To.Add(MailboxAddress.Parse(to));
        mail.Subject = message.Title;
        mail.Headers.Add("X-DeployOps-Event", NotificationTarget.Camel(message.Event));
        mail.Headers.Add("X-DeployOps-Severity", message.Severity.ToString().ToLowerInvariant());
        mail.Body = new TextPart("plain") { Text = NotificationPayloads.PlainText(message) };

        using var client = new SmtpClient();
        await client.ConnectAsync(settings.Host, settings.Port, Options(settings.Security), ct).ConfigureAwait(false);
        if (!string.IsNullOrEmpty(settings.Username))
            await client.AuthenticateAsync(settings.Username, settings.Password ?? "", ct).ConfigureAwait(false);
        await client.SendAsync(mail, ct).ConfigureAwait(false);
        await client.DisconnectAsync(true, ct).ConfigureAwait(false);
    }

    private static SecureSocketOptions Options(SmtpSecurity security) => security switch
    {
        SmtpSecurity.None => SecureSocketOptions.None,
        SmtpSecurity.Ssl => SecureSocketOptions.SslOnConnect,
        SmtpSecurity.Auto => SecureSocketOptions.StartTlsWhenAvailable,
        _ => SecureSocketOptions.StartTls,
    };

    private static string ReasonOf(HttpStatusCode code) => Enum.IsDefined(code) ? code.ToString() : "";

    private static string Shorten(string text) => text.Length <= 200 ? text.Trim() : text[..200].Trim() + "…";
}

/// <summary>A receiver answered, but not with success.</summary>
internal sealed class NotificationFailedException : Exception
{
    public NotificationFailedException(string message) : base(message) { }
}
