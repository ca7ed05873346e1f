using DeployOps.Engine.Clients;

namespace DeployOps.Engine.Tests.Clients;

public sealed class ShellCommandTests
{
    [Fact]
    public async Task Captures_exit_code_output_tail_and_environment()
    {
        var lines = new List<string>();
        var result = await ShellCommand.RunAsync(new ShellCommandSpec
        {
            Command = "for i in 1 2 3 4 5; do echo line$i; done; echo \"v=$DEMO_V\" >&2; exit 3",
            Environment = new Dictionary<string, string> { ["DEMO_V"] = "42" },
            TailLines = 2,
        }, l => { lock (lines) lines.Add(l); }, CancellationToken.None);
        Assert.Equal(3, result.ExitCode);
        Assert.False(result.Succeeded);
        Assert.Equal(6, lines.Count);
        Assert.Contains("v=42", result.Output);
        Assert.Equal(2, result.Tail.Count);
    }

    [Fact]
    public async Task Timeout_kills_the_whole_process_tree()
    {
        var marker = Path.Combine(Path.GetTempPath(), "deployops-orphan-" + Guid.NewGuid().ToString("N"));
        var result = await ShellCommand.RunAsync(new ShellCommandSpec
        {
            Command = $"(sleep 2; touch {marker}) & sleep 30",
            Timeout = TimeSpan.FromMilliseconds(300),
        }, null, CancellationToken.None);
        Assert.True(result.TimedOut);
        Assert.Null(result.ExitCode);
        await Task.Delay(2500);
        Assert.False(File.Exists(marker), "the background child survived the timeout");
    }
}
