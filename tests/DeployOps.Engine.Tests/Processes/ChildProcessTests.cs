using System.ComponentModel;
using DeployOps.Engine.Processes;

namespace DeployOps.Engine.Tests.Processes;

/// <summary>The one process primitive, against real bash, printf and sleep: groups, tails, argument vectors.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // process groups and /proc
public sealed class ChildProcessTests : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("deployops-child-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_tmp, true); } catch (IOException) { }
    }

    private static ChildProcessSpec Bash(string command, TimeSpan? timeout = null, int tailLines = 20) => new()
    {
        FileName = "/bin/bash",
        Arguments = new[] { "-c", command },
        Timeout = timeout ?? Timeout.InfiniteTimeSpan,
        TailLines = tailLines,
    };

    private static async Task<bool> GoneAsync(int pid)
    {
        for (var i = 0; i < 100; i++)
        {
            if (ProcessGroup.Stat(pid) is null) return true;
            await Task.Delay(50);
        }
        return false;
    }

    private async Task<int> ReadPidAsync(string file)
    {
        var path = Path.Combine(_tmp, file);
        for (var i = 0; i < 600; i++)
        {
            if (File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } text && text.EndsWith('!'))
                return int.Parse(text.TrimEnd('!'));
            await Task.Delay(50);
        }
        throw new TimeoutException($"{file} was never written");
    }

    [Fact]
    public async Task Cancel_ends_the_whole_process_group_including_background_grandchildren()
    {
        ChildProcessStarted? started = null;
        using var cancel = new CancellationTokenSource();
        var spec = Bash($"( (sleep 300) & echo \"$!!\" > {_tmp}/grandchild ) ; sleep 300 & echo \"$!!\" > {_tmp}/child; wait");
        var run = ChildProcess.RunAsync(new ChildProcessSpec
        {
            FileName = spec.FileName, Arguments = spec.Arguments,
            OnStarted = s => { started = s; return Task.CompletedTask; },
        }, null, cancel.Token);
        var grandchild = await ReadPidAsync("grandchild");
        var child = await ReadPidAsync("child");

        Assert.NotNull(started);
        Assert.Equal(started!.ProcessId, started.ProcessGroupId);
        Assert.NotEqual(ProcessGroup.Stat(Environment.ProcessId)!.Value.ProcessGroupId, started.ProcessGroupId);
        Assert.Equal(started.ProcessGroupId, ProcessGroup.Stat(grandchild)!.Value.ProcessGroupId);

        cancel.Cancel();
        var ex = await Assert.ThrowsAsync<ChildProcessCanceledException>(() => run);
        Assert.True(ex.Partial.TimedOut);
        Assert.True(await GoneAsync(child), $"sleep {child} survived the cancel");
        Assert.True(await GoneAsync(grandchild), $"sleep {grandchild} (a grandchild) survived the cancel");
        Assert.Empty(ProcessGroup.Members(started.ProcessGroupId));
    }

    [Fact]
    public async Task A_timeout_keeps_the_tail_of_what_was_printed_before_the_hang()
    {
        var result = await ChildProcess.RunAsync(Bash("for i in $(seq 1 100); do echo line$i; done; echo last words; sleep 300",
            TimeSpan.FromMilliseconds(1500), tailLines: 3), null, CancellationToken.None);

        Assert.True(result.TimedOut);
        Assert.Null(result.ExitCode);
        Assert.Equal(3, result.Tail.Count);
        Assert.Equal(new[] { "line99", "line100", "last words" }, result.Tail);
        Assert.Contains("line1\n", result.Output);
    }

    [Fact]
    public async Task Capture_is_bounded_even_for_one_endless_line_and_megabytes_of_output()
    {
        var lines = 0;
        var odd = new List<string>();
        var result = await ChildProcess.RunAsync(Bash("head -c 3000000 /dev/zero | tr '\\0' x; echo; seq 1 200000; exit 7"),
            l => { Interlocked.Increment(ref lines); if (!int.TryParse(l, out _)) lock (odd) odd.Add(l.Length > 60 ? l[..30] + "…" + l[^30..] + $" ({l.Length})" : l); },
            CancellationToken.None);

        Assert.Equal(7, result.ExitCode);
        Assert.True(result.Output.Length <= OutputCapture.MaxChars, $"kept {result.Output.Length} characters");
        Assert.Equal("200000", result.Tail[^1]);
        Assert.True(lines == 200001, $"{lines} lines; not numbers: {string.Join(" / ", odd)}");
    }

    [Fact]
    public async Task Arguments_are_data_never_code()
    {
        var pwned = Path.Combine(_tmp, "pwned");
        var hostile = new[] { $"$(touch {pwned})", $"`touch {pwned}`", $"a; touch {pwned}", "quote ' and \" and \\", "two\nlines", "--help", "*", "" };
        var args = new List<string> { "%s|\\n" };
        args.AddRange(hostile);

        var result = await ChildProcess.RunAsync(new ChildProcessSpec { FileName = "printf", Arguments = args, WorkingDirectory = _tmp },
            null, CancellationToken.None);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(string.Join("", hostile.Select(h => h + "|\n")), result.Output.Replace("|\n", "|\n"));
        Assert.False(File.Exists(pwned));
    }

    [Fact]
    public async Task A_missing_program_is_a_Win32Exception_naming_it()
    {
        var ex = await Assert.ThrowsAsync<Win32Exception>(() =>
            ChildProcess.RunAsync(new ChildProcessSpec { FileName = "no-such-program-deployops" }, null, CancellationToken.None));
        Assert.Contains("no-such-program-deployops", ex.Message);
    }

    [Fact]
    public async Task Exit_codes_stdout_stderr_and_ended_callback_come_through_the_supervisor()
    {
        ChildProcessResult? ended = null;
        var result = await ChildProcess.RunAsync(new ChildProcessSpec
        {
            FileName = "/bin/bash",
            Arguments = new[] { "-c", "echo out; echo err >&2; read -t 1 x && echo \"stdin had $x\"; exit 42" },
            OnEnded = (_, r) => { ended = r; return Task.CompletedTask; },
        }, null, CancellationToken.None);

        Assert.Equal(42, result.ExitCode);
        Assert.Contains("out", result.Tail);
        Assert.Contains("err", result.Tail);
        Assert.DoesNotContain(result.Tail, l => l.StartsWith("stdin had", StringComparison.Ordinal)); // the lifeline is not the step's stdin
        Assert.Same(result, ended);
    }
}
