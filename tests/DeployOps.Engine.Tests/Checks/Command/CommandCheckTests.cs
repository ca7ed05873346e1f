using DeployOps.Engine.Checks;
using DeployOps.Engine.Tests.Checks.Support;

namespace DeployOps.Engine.Tests.Checks.Command;

public sealed class CommandCheckTests
{
    private static Task<CheckResult> Run(string keys) =>
        ConfiguredCheck.RunAsync($"  - name: cmd\n    kind: command\n    timeout: 10s\n{keys}");

    [Fact]
    public async Task Exit_zero_passes_and_keeps_the_output_tail()
    {
        var result = await Run("    command: echo linting; echo 'all good'\n");

        Assert.Equal(CheckStatus.Passed, result.Status);
        Assert.Equal("Process", result.Category);
        Assert.Equal("echo linting; echo 'all good'", result.Target);
        Assert.StartsWith("exit code 0 in ", result.Message);
        Assert.Equal(0, result.Data["exitCode"]);
        Assert.Equal($"linting{Environment.NewLine}all good", result.Data["tail"]);
        Assert.Equal(2, result.Data["outputLines"]);
    }

    [Fact]
    public async Task Failure_shows_the_exit_code_and_the_last_lines()
    {
        var result = await Run("    command: 'for i in $(seq 1 30); do echo \"line $i\"; done; echo \"3 vulnerabilities\" >&2; exit 3'\n    tailLines: 5\n");

        Assert.Equal(CheckStatus.Failed, result.Status);
        var expectedTail = string.Join(Environment.NewLine, "line 27", "line 28", "line 29", "line 30", "3 vulnerabilities");
        Assert.Equal($"exited with code 3, expected 0; last 5 line(s):{Environment.NewLine}{expectedTail}", result.Message);
        Assert.Equal(3, result.Data["exitCode"]);
        Assert.Equal(expectedTail, result.Data["tail"]);
        Assert.Equal(31, result.Data["outputLines"]);
    }

    [Fact]
    public async Task Expected_exit_code_can_be_other_than_zero()
    {
        var passed = await Run("    command: exit 1\n    expectExitCode: 1\n");
        var failed = await Run("    command: exit 0\n    expectExitCode: 1\n    shell: sh\n");

        Assert.Equal(CheckStatus.Passed, passed.Status);
        Assert.Equal(CheckStatus.Failed, failed.Status);
        Assert.Equal("exited with code 0, expected 1 (no output)", failed.Message);
    }

    [Fact]
    public async Task Working_directory_is_relative_to_the_config_and_env_is_passed()
    {
        using var check = new ConfiguredCheck(
            "  - name: cmd\n    kind: command\n    command: pwd; echo \"$GREETING\"\n    workingDirectory: app\n    env:\n      GREETING: hello from env\n");
        Directory.CreateDirectory(Path.Combine(check.Directory, "app"));
        var result = await check.RunSingleAsync();

        Assert.Equal(CheckStatus.Passed, result.Status);
        Assert.Equal($"{Path.Combine(check.Directory, "app")}{Environment.NewLine}hello from env", result.Data["tail"]);
    }

    [Fact]
    public async Task Missing_working_directory_fails()
    {
        var result = await Run("    command: 'true'\n    workingDirectory: /nonexistent-deployops-dir\n");
        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.Equal("working directory not found: /nonexistent-deployops-dir", result.Message);
    }

    [Fact]
    public async Task Timeout_fails_the_check_and_kills_the_process_tree()
    {
        using var check = new ConfiguredCheck(
            "  - name: slow\n    kind: command\n    timeout: 1s\n    command: 'echo $$ > shell.pid; sleep 60 & echo $! > child.pid; wait'\n");
        var result = await check.RunSingleAsync();

        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.StartsWith("timed out after ", result.Message);
        var shell = int.Parse(File.ReadAllText(Path.Combine(check.Directory, "shell.pid")).Trim());
        var child = int.Parse(File.ReadAllText(Path.Combine(check.Directory, "child.pid")).Trim());
        Assert.True(WaitUntilGone(shell), $"shell {shell} still running");
        Assert.True(WaitUntilGone(child), $"child {child} still running");
    }

    [Fact]
    public async Task A_timed_out_command_keeps_the_tail_of_what_it_printed_so_the_admin_sees_where_it_hung()
    {
        using var check = new ConfiguredCheck(
            "  - name: hangs\n    kind: command\n    timeout: 2s\n    tailLines: 2\n" +
            "    command: 'for i in 1 2 3; do echo \"step $i\"; done; echo \"waiting for db lock\" >&2; sleep 60'\n");
        var result = await check.RunSingleAsync();

        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.StartsWith("timed out after ", result.Message);
        Assert.Contains("waiting for db lock", result.Message);
        Assert.Contains("waiting for db lock", (string)result.Data["tail"]!);
        Assert.Contains("step 3", (string)result.Data["tail"]!);
    }

    [Fact]
    public void Unknown_shell_and_missing_command_are_configuration_errors()
    {
        using var check = new ConfiguredCheck("  - name: a\n    kind: command\n  - name: b\n    kind: command\n    command: ls\n    shell: zsh\n");
        var errors = check.Validate();
        Assert.Contains(errors, e => e.Path == "checks[0].command" && e.Message == "is required");
        Assert.Contains(errors, e => e.Path == "checks[1].shell" && e.Message.Contains("expected one of bash, sh, pwsh"));
    }

    /// <summary>Waits (bounded) for the kill to land: the runner reports the timeout while the kill completes.</summary>
    private static bool WaitUntilGone(int pid)
    {
        for (var i = 0; i < 100; i++)
        {
            if (!IsRunning(pid)) return true;
            Thread.Sleep(100);
        }
        return false;
    }

    private static bool IsRunning(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat)) return false;
        try
        {
            // A zombie (state Z) has been killed and only waits to be reaped.
            var text = File.ReadAllText(stat);
            return text[(text.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException) { return false; }
    }
}
