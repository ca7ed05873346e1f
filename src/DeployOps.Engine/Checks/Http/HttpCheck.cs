using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Text.Json;

namespace DeployOps.Engine.Checks.Http;

/// <summary>
/// Sends one request and judges the answer: status, an optional JSON value, body text and latency.
/// TLS certificates are validated unless the configuration explicitly opts out, which is reported as a warning.
/// </summary>
internal sealed class HttpCheck : ICheck, OnTarget.ITargetableCheck
{
    // Health and inventory answers are small; a runaway body must not fill memory.
    private const int MaxBodyBytes = 4 * 1024 * 1024;

    private readonly HttpCheckSettings _s;

    public HttpCheck(HttpCheckSettings settings) => _s = settings;

    public string Target => $"{_s.Method} {_s.Url}";

    public ICheck On(Targets.SshTarget target) => new RemoteHttpCheck(this, _s, target);

    internal Dictionary<string, object?> NewData() => new()
    {
        ["url"] = _s.Url.ToString(),
        ["method"] = _s.Method,
        ["expectedStatus"] = string.Join(",", _s.ExpectStatus),
    };

    public async Task<CheckOutcome> RunAsync(CancellationToken cancellationToken)
    {
        var data = NewData();
        using var handler = new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false };
        if (_s.InsecureSkipVerify) handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        using var request = new HttpRequestMessage(new HttpMethod(_s.Method), _s.Url);
        foreach (var (name, value) in _s.Headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
                return CheckOutcome.Fail($"header '{name}' cannot be sent on a request", data);
        }

        var clock = Stopwatch.StartNew();
        HttpResponseMessage response;
        string body;
        try
        {
            response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            body = await ReadBodyAsync(response.Content, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            data["error"] = Describe(ex);
            return CheckOutcome.Fail($"{_s.Method} {_s.Url} failed: {Describe(ex)}", data);
        }
        var latency = clock.Elapsed;
        using var _ = response;
        return Judge((int)response.StatusCode, response.ReasonPhrase, body, latency, response.Content.Headers.ContentType?.ToString(), data);
    }

    /// <summary>The verdict on one answer, received here or by curl on a target.</summary>
    internal CheckOutcome Judge(int status, string? reason, string body, TimeSpan latency, string? contentType, Dictionary<string, object?> data)
    {
        data["statusCode"] = status;
        data["latencyMs"] = Math.Round(latency.TotalMilliseconds, 1);
        data["bodyBytes"] = Encoding.UTF8.GetByteCount(body);
        if (!string.IsNullOrEmpty(contentType)) data["contentType"] = contentType;

        if (!_s.ExpectStatus.Contains(status))
            return CheckOutcome.Fail($"{_s.Method} {_s.Url} answered {status}{(string.IsNullOrEmpty(reason) ? "" : " " + reason)}, expected {Expected()}{Snippet(body)}", data);

        if (_s.JsonPath is { } path && JudgeJson(path, body, data) is { } jsonFailure) return jsonFailure;

        if (_s.BodyContains is { } needle)
        {
            data["bodyContains"] = needle;
            if (!body.Contains(needle, StringComparison.Ordinal))
                return CheckOutcome.Fail($"the body of {_s.Url} does not contain '{needle}'{Snippet(body)}", data);
        }

        var summary = $"{status} in {FormatMs(latency)}";
        if (_s.MaxLatency is { } max)
        {
            data["maxLatencyMs"] = max.TotalMilliseconds;
            if (latency > max) return CheckOutcome.Warn($"{summary}, slower than the {FormatMs(max)} limit", data);
        }
        if (_s.InsecureSkipVerify && _s.Url.Scheme == Uri.UriSchemeHttps)
        {
            data["tlsVerified"] = false;
            return CheckOutcome.Warn($"{summary}, but TLS certificate validation is disabled (insecureSkipVerify)", data);
        }
        return CheckOutcome.Pass(summary, data);
    }

    private CheckOutcome? JudgeJson(JsonPath path, string body, Dictionary<string, object?> data)
    {
        data["jsonPath"] = path.Text;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException ex)
        {
            return CheckOutcome.Fail($"the body of {_s.Url} is not JSON ({ex.Message}){Snippet(body)}", data);
        }
        using (document)
        {
            if (!path.TryFind(document.RootElement, out var found, out var problem))
                return CheckOutcome.Fail($"JSON path '{path}' not found: {problem}", data);
            data["jsonKind"] = found.ValueKind.ToString();
            if (found.ValueKind == JsonValueKind.Array) data["jsonCount"] = found.GetArrayLength();
            if (found.ValueKind is not (JsonValueKind.Array or JsonValueKind.Object)) data["jsonValue"] = JsonPath.ScalarText(found);

            if (_s.NonEmpty && !JsonPath.IsNonEmpty(found))
                return CheckOutcome.Fail($"JSON path '{path}' is empty ({JsonPath.Kind(found)}), expected a non-empty value", data);
            if (_s.EqualsValue is { } expected)
            {
                if (found.ValueKind is JsonValueKind.Array or JsonValueKind.Object)
                    return CheckOutcome.Fail($"JSON path '{path}' is {JsonPath.Kind(found)}, expected the value '{expected}'", data);
                var actual = JsonPath.ScalarText(found);
                if (!ScalarMatch.AreEqual(expected, actual))
                    return CheckOutcome.Fail($"JSON path '{path}' is '{actual}', expected '{expected}'", data);
            }
        }
        return null;
    }

    private static async Task<string> ReadBodyAsync(HttpContent content, CancellationToken ct)
    {
        await using var stream = await content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length >= MaxBodyBytes) break;
        }
        var charset = content.Headers.ContentType?.CharSet;
        var encoding = Encoding.UTF8;
        if (!string.IsNullOrEmpty(charset))
        {
            try { encoding = Encoding.GetEncoding(charset.Trim('"')); } catch (ArgumentException) { }
        }
        return encoding.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private string Expected() => _s.ExpectStatus.Count == 1 ? _s.ExpectStatus[0].ToString() : "one of " + string.Join(", ", _s.ExpectStatus);

    /// <summary>The start of the body, so the operator sees what the endpoint said instead.</summary>
    private static string Snippet(string body)
    {
        var text = body.ReplaceLineEndings(" ").Trim();
        if (text.Length == 0) return "";
        return text.Length <= 200 ? $": {text}" : $": {text[..200]}…";
    }

    private static string Describe(HttpRequestException ex)
    {
        if (ex.InnerException is AuthenticationException auth)
            return $"TLS validation failed ({auth.Message}); fix the certificate, trust its CA on this host, or set insecureSkipVerify: true";
        if (ex.InnerException is SocketException socket) return $"{socket.SocketErrorCode}: {socket.Message}";
        return ex.InnerException is { } inner ? $"{ex.Message} ({inner.Message})" : ex.Message;
    }

    private static string FormatMs(TimeSpan t) => t.TotalMilliseconds < 1000 ? $"{t.TotalMilliseconds:0}ms" : $"{t.TotalSeconds:0.##}s";
}
