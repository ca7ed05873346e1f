using System.Globalization;
using DeployOps.Engine.Clients.Docker;
using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Health.Signals;
using Docker.DotNet.Models;

namespace DeployOps.Engine.Health.Resources;

/// <summary>
/// cpuPercent and memoryPercent of a Docker container from one stats call per sample (stream=false), against the
/// container's own limits (HostConfig NanoCpus or CpuQuota/CpuPeriod; HostConfig.Memory), else the CPUs it may use
/// and the daemon host's memory. A container that is missing or stopped makes both signals unreadable; a daemon
/// that cannot be reached is a source error (as a failed scrape is), never evidence against the deployment.
/// </summary>
internal sealed class ContainerResourceSource : ISignalSource
{
    private readonly string _container;
    private readonly DockerClient _client;
    private long? _hostMemory;

    public ContainerResourceSource(string container, DockerClient client)
    {
        _container = container;
        _client = client;
    }

    public string Name => "resources";

    public Task<SourceReading> PrimeAsync(CancellationToken cancellationToken) => Task.FromResult(SourceReading.Empty);

    public async Task<SourceReading> ReadAsync(CancellationToken cancellationToken)
    {
        var reading = new SourceReading();
        var inspect = await _client.TryInspectContainerAsync(_container, cancellationToken).ConfigureAwait(false);
        var missing = inspect is null ? $"container {_container} not found on {_client.Endpoint.Display}"
            : inspect.State?.Running != true ? $"container {_container} is not running ({inspect.State?.Status ?? "no state"})"
            : null;
        if (missing is not null)
        {
            reading.Unreadable[HealthSignals.CpuPercent] = reading.Unreadable[HealthSignals.MemoryPercent] = missing;
            return reading;
        }
        var stats = await _client.ContainerStatsAsync(_container, cancellationToken).ConfigureAwait(false);
        Cpu(reading, stats, inspect!.HostConfig);
        await MemoryAsync(reading, stats, inspect.HostConfig, cancellationToken).ConfigureAwait(false);
        return reading;
    }

    private void Cpu(SourceReading reading, ContainerStatsResponse stats, HostConfig? host)
    {
        var elapsed = stats.Read - stats.PreRead;
        if (stats.PreRead.Year < 2000 || elapsed <= TimeSpan.Zero || stats.PreCPUStats?.CPUUsage is null || stats.CPUStats?.CPUUsage is null)
        {
            reading.Unreadable[HealthSignals.CpuPercent] = "the daemon's stats carry no previous CPU reading";
            return;
        }
        ulong now = stats.CPUStats.CPUUsage.TotalUsage, before = stats.PreCPUStats.CPUUsage.TotalUsage;
        var spent = TimeSpan.FromTicks((long)(now - Math.Min(now, before)) / 100); // nanoseconds → ticks of 100 ns
        var (cpus, source) = CpuLimit(host, stats.CPUStats.OnlineCPUs ?? 0);
        var percent = 100 * spent.TotalSeconds / elapsed.TotalSeconds / cpus;
        reading.Set(HealthSignals.CpuPercent, percent);
        reading.Notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"cpuPercent {percent:0.#}% of container {_container}: {spent.TotalSeconds:0.##} s CPU in {elapsed.TotalSeconds:0.##} s against {cpus:0.##} CPU ({source})"));
    }

    private static (double Cpus, string Source) CpuLimit(HostConfig? host, uint onlineCpus)
    {
        if (host is { NanoCPUs: > 0 }) return (host.NanoCPUs / 1e9, $"container limit HostConfig.NanoCpus {host.NanoCPUs}");
        if (host is { CPUQuota: > 0 })
        {
            var period = host.CPUPeriod > 0 ? host.CPUPeriod : 100_000; // the kernel's default CFS period
            return ((double)host.CPUQuota / period, $"container limit HostConfig.CpuQuota {host.CPUQuota}/CpuPeriod {period}");
        }
        var cpus = onlineCpus > 0 ? (int)onlineCpus : Environment.ProcessorCount;
        return (cpus, $"{cpus} online CPUs of the daemon's host, no container CPU limit");
    }

    private async Task MemoryAsync(SourceReading reading, ContainerStatsResponse stats, HostConfig? host, CancellationToken cancellationToken)
    {
        if (stats.MemoryStats is not { Usage: > 0 } memory)
        {
            reading.Unreadable[HealthSignals.MemoryPercent] = "the daemon's stats carry no memory usage";
            return;
        }
        // As docker stats does: the cache the kernel reclaims first is not usage (v2: inactive_file, v1: total_inactive_file).
        var stat = memory.Stats ?? new Dictionary<string, ulong>();
        var inactive = stat.TryGetValue("inactive_file", out var v2) ? v2 : stat.TryGetValue("total_inactive_file", out var v1) ? v1 : 0;
        var usage = memory.Usage ?? 0;
        var used = (long)(usage - Math.Min(usage, inactive));
        long limit;
        string source;
        if (host is { Memory: > 0 }) (limit, source) = (host.Memory, "container limit HostConfig.Memory");
        else
        {
            _hostMemory ??= (await _client.InfoAsync(cancellationToken).ConfigureAwait(false)).MemTotal;
            (limit, source) = (_hostMemory.Value, "the daemon host's MemTotal (docker info), no container memory limit");
        }
        var percent = 100.0 * used / limit;
        reading.Set(HealthSignals.MemoryPercent, percent);
        reading.Notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"memoryPercent {percent:0.#}% of container {_container} (usage less inactive file cache): {ProcessResourceSource.Mebibytes(used)} of {ProcessResourceSource.Mebibytes(limit)} ({source})"));
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
