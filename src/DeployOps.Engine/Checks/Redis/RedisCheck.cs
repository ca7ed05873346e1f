using System.Globalization;
using DeployOps.Engine.Checks.Tcp;
using DeployOps.Engine.Clients;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Checks.Redis;

/// <summary>
/// Connects (AUTH, SELECT), measures PING, and reads INFO for the version, memory use and the key count of the
/// configured database; copies requested INFO fields into the data.
/// </summary>
internal sealed class RedisCheck : ICheck
{
    private readonly RedisSettings? _settings;
    private readonly TimeSpan _warnLatency;
    private readonly IReadOnlyList<string> _infoFields;
    private readonly long? _maxMemory;

    public RedisCheck(RedisSettings? settings, TimeSpan warnLatency, IReadOnlyList<string> infoFields, long? maxMemory)
    {
        _settings = settings;
        _warnLatency = warnLatency;
        _infoFields = infoFields;
        _maxMemory = maxMemory;
    }

    public string Target => _settings?.ToString() ?? "(no Redis configured)";

    public async Task<CheckOutcome> RunAsync(CancellationToken cancellationToken)
    {
        if (_settings is null) return CheckOutcome.Fail("no Redis server is configured");
        var findings = new CheckFindings();
        findings.Data["database"] = _settings.Database;
        // The client library retries a refused connection until its timeout; a plain TCP connect says "refused" at once.
        if (TcpProbe.TryParseAddress(_settings.Endpoint, out var host, out var port))
        {
            var probe = await TcpProbe.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
            if (!probe.Connected) return CheckOutcome.Fail($"Cannot connect to Redis at {_settings.Endpoint}: {probe.Problem}", findings.Data);
        }
        IRedisClient client;
        try
        {
            client = await RedisClient.ConnectAsync(_settings, cancellationToken).ConfigureAwait(false);
        }
        catch (DeployOpsException ex)
        {
            return CheckOutcome.Fail(ex.Message, findings.Data);
        }
        await using (client)
        {
            TimeSpan latency;
            try
            {
                latency = await RoundTrip.FastestAsync(client.PingAsync, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // e.g. NOAUTH when the server wants a password and none is configured.
                return CheckOutcome.Fail(ex is DeployOpsException ? ex.Message : $"PING to Redis at {_settings.Endpoint} failed: {ex.Message}", findings.Data);
            }
            findings.Data["latencyMs"] = Math.Round(latency.TotalMilliseconds, 2);
            var pingText = $"PING answered in {Math.Round(latency.TotalMilliseconds, 2)} ms";
            if (latency > _warnLatency) findings.Warn($"{pingText} (above {ValueParsers.FormatDuration(_warnLatency)})");
            else findings.Note(pingText);

            IReadOnlyDictionary<string, string> info;
            try
            {
                info = await client.InfoAsync(null, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // INFO may be forbidden by an ACL; that only matters when the configuration asked for INFO data.
                var text = ex is DeployOpsException ? ex.Message : $"INFO failed: {ex.Message}";
                if (_infoFields.Count > 0 || _maxMemory is not null) findings.Fail(text);
                else findings.Note(text);
                return findings.ToOutcome();
            }
            Inspect(info, findings);
        }
        return findings.ToOutcome();
    }

    private void Inspect(IReadOnlyDictionary<string, string> info, CheckFindings findings)
    {
        if (info.TryGetValue("redis_version", out var version))
        {
            findings.Data["redisVersion"] = version;
            findings.Note($"Redis {version}");
        }
        findings.Data["keys"] = KeysIn(info, _settings!.Database);

        long? used = info.TryGetValue("used_memory", out var usedText) &&
            long.TryParse(usedText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var u) ? u : null;
        findings.Data["usedMemoryBytes"] = used;
        if (_maxMemory is { } limit)
        {
            findings.Data["maxMemoryBytes"] = limit;
            if (used is null) findings.Fail("INFO has no used_memory, so maxMemory cannot be checked");
            else if (used > limit) findings.Fail($"used memory {ValueParsers.FormatSize(used.Value)} is above the limit of {ValueParsers.FormatSize(limit)}");
            else findings.Note($"used memory {ValueParsers.FormatSize(used.Value)} of {ValueParsers.FormatSize(limit)} allowed");
        }

        var missing = new List<string>();
        foreach (var field in _infoFields)
        {
            if (info.TryGetValue(field, out var value)) findings.Data[field] = value;
            else missing.Add(field);
        }
        if (missing.Count > 0) findings.Warn($"INFO has no field(s) {string.Join(", ", missing)}");
    }

    /// <summary>Key count of one database from INFO keyspace (<c>db3:keys=12,expires=0,…</c>); absent means empty.</summary>
    internal static long KeysIn(IReadOnlyDictionary<string, string> info, int database)
    {
        if (!info.TryGetValue($"db{database}", out var entry)) return 0;
        foreach (var part in entry.Split(','))
        {
            var pair = part.Split('=', 2);
            if (pair.Length == 2 && pair[0] == "keys" && long.TryParse(pair[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var keys))
                return keys;
        }
        return 0;
    }
}
