using System.Globalization;
using System.Text.Json;
using DeployOps.Engine.Health.Decision;

namespace DeployOps.Engine.Health.Signals;

/// <summary>
/// Signals as PromQL instant queries over <c>/api/v1/query</c>. A query that fails (HTTP error, PromQL error,
/// unreachable server) is a source error; a query that answers with no data leaves its signal unreadable.
/// <c>requestRateBefore</c> is evaluated once, at the deployment time (the traffic before it), and repeated in every
/// reading so each recorded sample carries the baseline it was judged against.
/// </summary>
internal sealed class PrometheusSource : ISignalSource
{
    private readonly PrometheusSettings _settings;
    private readonly TimeSpan _timeout;
    private readonly DateTimeOffset? _deployedAt;
    private (double Value, string? Unreadable, string? Error)? _before;

    /// <param name="deployedAt">When the deployment happened (null: the first read), the time <c>requestRateBefore</c> is evaluated at.</param>
    public PrometheusSource(PrometheusSettings settings, TimeSpan timeout, DateTimeOffset? deployedAt = null)
    {
        _settings = settings;
        _timeout = timeout;
        _deployedAt = deployedAt;
    }

    public string Name => "prometheus";

    public Task<SourceReading> PrimeAsync(CancellationToken cancellationToken) => Task.FromResult(SourceReading.Empty);

    public async Task<SourceReading> ReadAsync(CancellationToken cancellationToken)
    {
        // The rate before is asked at the deployment time, with the other queries; once answered (a value or no data) it is kept.
        var queries = _settings.Queries.Where(q => q.Key != HealthSignals.RequestRateBefore || _before is not { Error: null });
        var answers = await Task.WhenAll(queries.Select(async q =>
        {
            var at = q.Key == HealthSignals.RequestRateBefore ? _deployedAt ?? DateTimeOffset.UtcNow : (DateTimeOffset?)null;
            var result = await QueryAsync(_settings.Expand(q.Value), cancellationToken, at).ConfigureAwait(false);
            if (at is not null) _before = result;
            return (Signal: q.Key, Result: result);
        })).ConfigureAwait(false);
        if (_before is { Error: null } kept && !answers.Any(a => a.Signal == HealthSignals.RequestRateBefore))
            answers = answers.Append((HealthSignals.RequestRateBefore, kept)).ToArray();
        var reading = new SourceReading();
        foreach (var (signal, (value, unreadable, error)) in answers)
        {
            if (error is not null) { reading.Errors.Add($"prometheus query {signal}: {error}"); reading.Unreadable[signal] = "query failed"; }
            else if (unreadable is not null) reading.Unreadable[signal] = unreadable;
            else reading.Set(signal, value);
        }
        return reading;
    }

    /// <summary>Runs one instant query: the value, or why there is none (no data), or the failure.</summary>
    /// <param name="at">Evaluation time (Prometheus' <c>time=</c>); null: now.</param>
    public async Task<(double Value, string? Unreadable, string? Error)> QueryAsync(string promql, CancellationToken cancellationToken,
        DateTimeOffset? at = null)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        var url = $"{_settings.Url}/api/v1/query?query={Uri.EscapeDataString(promql)}";
        if (at is { } time) url += "&time=" + (time.ToUnixTimeMilliseconds() / 1000.0).ToString("0.000", CultureInfo.InvariantCulture);
        try
        {
            using var response = await HealthHttp.Client.GetAsync(url, timeout.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            return Interpret(body, (int)response.StatusCode);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException && !cancellationToken.IsCancellationRequested)
        {
            return (double.NaN, null, $"{_settings.Url}: {HealthHttp.Describe(ex, _timeout)}");
        }
    }

    internal static (double Value, string? Unreadable, string? Error) Interpret(string body, int status)
    {
        JsonDocument document;
        try { document = JsonDocument.Parse(body); }
        catch (JsonException)
        {
            return (double.NaN, null, $"HTTP {status}: not a Prometheus API answer: {Truncate(body)}");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("status", out var s))
                return (double.NaN, null, $"HTTP {status}: not a Prometheus API answer: {Truncate(body)}");
            if (s.GetString() != "success")
            {
                var type = root.TryGetProperty("errorType", out var t) ? t.GetString() : "error";
                var message = root.TryGetProperty("error", out var e) ? e.GetString() : "(no message)";
                return (double.NaN, null, $"{type}: {message}");
            }
            var data = root.GetProperty("data");
            var resultType = data.GetProperty("resultType").GetString();
            var result = data.GetProperty("result");
            switch (resultType)
            {
                case "scalar":
                    return Sample(result);
                case "vector":
                    var count = result.GetArrayLength();
                    if (count == 0) return (double.NaN, "the query returned no data", null);
                    if (count > 1) return (double.NaN, $"the query returned {count} series; aggregate it to one (sum, max…)", null);
                    return Sample(result[0].GetProperty("value"));
                default:
                    return (double.NaN, null, $"unsupported result type '{resultType}': write an instant query returning one value");
            }
        }
    }

    private static (double, string?, string?) Sample(JsonElement pair)
    {
        var text = pair[1].GetString() ?? "";
        var value = text switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        if (double.IsNaN(value)) return (value, "the query answered NaN (no data in the window)", null);
        if (double.IsInfinity(value)) return (value, $"the query answered {text}", null);
        return (value, null, null);
    }

    private static string Truncate(string s) => s.Length <= 200 ? s.Trim() : s[..200] + "…";

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
