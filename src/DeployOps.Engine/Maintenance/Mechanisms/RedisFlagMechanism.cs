using System.Text.Json.Nodes;
using DeployOps.Engine.Clients;
using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Maintenance.Mechanisms;

/// <summary>
/// A Redis key every instance on every host reads, an optional PUBLISH so they learn at once, and an optional TTL
/// as a dead-man switch (the key vanishes unless whoever holds maintenance renews it).
/// </summary>
internal sealed class RedisFlagMechanism : IMaintenanceMechanism
{
    private readonly RedisFlagSettings _settings;
    private readonly RedisSettings _connection;

    public RedisFlagMechanism(RedisFlagSettings settings, RedisSettings connection)
    {
        _settings = settings;
        _connection = connection;
    }

    public string Name => "Redis";
    public string Target => $"redis key {_settings.Key} at {_connection.Endpoint}";

    public async Task<MechanismReading> ReadAsync(CancellationToken cancellationToken)
    {
        await using var client = await RedisClient.ConnectAsync(_connection, cancellationToken).ConfigureAwait(false);
        var value = await client.GetAsync(_settings.Key, cancellationToken).ConfigureAwait(false);
        if (value is null) return new MechanismReading(MechanismStatus.Off, $"key {_settings.Key} missing");
        var ttl = await client.TimeToLiveAsync(_settings.Key, cancellationToken).ConfigureAwait(false);
        var expiry = ttl is { } t ? $", expires in {ValueParsers.FormatDuration(t)}" : "";
        return new MechanismReading(MechanismStatus.On, $"key {_settings.Key} set{expiry}", MaintenanceInfo.TryParse(value));
    }

    public async Task EnterAsync(MaintenanceInfo info, CancellationToken cancellationToken)
    {
        await using var client = await RedisClient.ConnectAsync(_connection, cancellationToken).ConfigureAwait(false);
        var json = info.ToJson();
        await client.SetAsync(_settings.Key, json, _settings.Ttl, cancellationToken).ConfigureAwait(false);
        if (_settings.Channel is { } channel)
            await client.PublishAsync(channel, Message("on", json), cancellationToken).ConfigureAwait(false);
    }

    public async Task ExitAsync(CancellationToken cancellationToken)
    {
        await using var client = await RedisClient.ConnectAsync(_connection, cancellationToken).ConfigureAwait(false);
        await client.DeleteAsync(_settings.Key, cancellationToken).ConfigureAwait(false);
        if (_settings.Channel is { } channel)
            await client.PublishAsync(channel, Message("off", null), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Renews the TTL while the key is still ours; false when it is gone (someone exited meanwhile).</summary>
    public async Task<bool> RenewAsync(CancellationToken cancellationToken)
    {
        if (_settings.Ttl is null) return true;
        await using var client = await RedisClient.ConnectAsync(_connection, cancellationToken).ConfigureAwait(false);
        var value = await client.GetAsync(_settings.Key, cancellationToken).ConfigureAwait(false);
        if (value is null) return false;
        await client.SetAsync(_settings.Key, value, _settings.Ttl, cancellationToken).ConfigureAwait(false);
        return true;
    }

    public TimeSpan? Ttl => _settings.Ttl;

    /// <summary>{"state":"on", since, reason, …} or {"state":"off", "key":…}: subscribers need no second lookup.</summary>
    private string Message(string state, string? infoJson)
    {
        var message = new JsonObject { ["state"] = state, ["key"] = _settings.Key };
        if (infoJson is not null)
            foreach (var (name, value) in JsonNode.Parse(infoJson)!.AsObject())
                message[name] = value?.DeepClone();
        return message.ToJsonString();
    }
}
