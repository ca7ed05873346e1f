using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Strategies;

/// <summary>The canary gate judged by Watch-DeploymentHealth's decision matrix, against real canary processes.</summary>
public sealed class DecisionMatrixGateTests
{
    private const string HealthSmoke = "- name: health answers\n  http: { url: \"http://{host}:{port}/health\", expectJson: { version: \"{version}\" } }";

    // Time is compressed: the sustained-error rule fires at once and a window needs 10 requests to count.
    private const string Health = "health:\n  minRequests: 10\n  rules:\n    - { name: errorRate, for: 0s }\n";

    private static DeploymentStage Stage() => new(smoke: HealthSmoke, probePath: "/health",
        extraDeployment: "canary:\n  steps: [50]\n  pause: 2s\n  gate: { use: decisionMatrix, sampleInterval: 500ms }");

    [Fact]
    public async Task A_faulty_canary_is_failed_by_the_decision_matrix_and_traffic_returns()
    {
        using var stage = Stage();
        File.AppendAllText(stage.ConfigPath, "\n" + Health);
        await using var load = new LoadLoop(stage.ProxyUrl + "/api/work", concurrency: 4);
        await load.WarmUpAsync();
        var sink = new RecordingSink();

        var record = await stage.DeployAsync("2.0.0-faulty", DeploymentStrategy.Canary, sink);

        await load.DisposeAsync();
        Assert.True(record!.Outcome == DeploymentOutcome.RolledBack,
            $"{record.Outcome} {record.Error}: " + string.Join(" | ", record.Phases.Select(p => $"{p.Name}={p.Status} {p.Detail}")));
        var error = Assert.Single(sink.Errors);
        Assert.Equal(ErrorIds.CanaryGateFailed, error.ErrorId);
        Assert.Contains("Rollback from the decision matrix on green", error.Message);
        Assert.Equal("blue", stage.ActiveSlot());
        // The gate's samples are recorded with the deployment, so the decision can be explained and replayed.
        var folder = Path.Combine(stage.Directory, ".deployops", "deployments", record.Id);
        Assert.True(File.Exists(Path.Combine(folder, "health-samples.jsonl")), string.Join(", ", Directory.GetFileSystemEntries(Path.Combine(stage.Directory, ".deployops"), "*", SearchOption.AllDirectories)));
        Assert.NotEmpty(Directory.GetFiles(folder, "decision-*.json"));
        Assert.Empty(sink.RecordsOf<DeployOps.Engine.Health.HealthSample>()); // the gate's samples stay out of Invoke-Deployment's output
    }

    [Fact]
    public async Task A_healthy_canary_passes_the_decision_matrix()
    {
        using var stage = Stage();
        File.AppendAllText(stage.ConfigPath, "\n" + Health);
        await using var load = new LoadLoop(stage.ProxyUrl + "/api/work", concurrency: 4);
        await load.WarmUpAsync();

        var record = await stage.DeployAsync("2.0.0", DeploymentStrategy.Canary);

        await load.DisposeAsync();
        Assert.True(record!.Outcome == DeploymentOutcome.Succeeded, record.Error);
        Assert.StartsWith("Pass: Healthy from the decision matrix", record.Phases.Single(p => p.Name == "gate:50%").Detail);
        Assert.Equal("green", stage.ActiveSlot());
    }
}
