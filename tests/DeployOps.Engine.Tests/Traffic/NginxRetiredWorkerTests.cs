using DeployOps.Engine.Audit;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Traffic;

namespace DeployOps.Engine.Tests.Traffic;

/// <summary>
/// The race fixed in cb02945, made deterministic: an old nginx worker that has not yet renamed itself "worker process
/// is shutting down" must still count as a worker of the previous configuration. The test freezes the old worker
/// (SIGSTOP) before the reload, so it cannot rename itself or exit however long the machine takes, and the wait must
/// not end until it is continued and has exited. A wait that decides from the workers' titles alone ends at once.
/// </summary>
public sealed class NginxRetiredWorkerTests
{
    private const int SigStop = 19;
    private const int SigCont = 18;

    [Fact(Timeout = 120_000)]
    public async Task A_pre_reload_worker_that_has_not_renamed_itself_is_waited_for_until_it_exits()
    {
        using var blue = new DemoAppProcess("1.0.0");
        using var green = new DemoAppProcess("2.0.0");
        TrafficBackend[] Weights(int b) => new[] { new TrafficBackend("blue", "127.0.0.1", blue.Port, b), new TrafficBackend("green", "127.0.0.1", green.Port, 100 - b) };
        using var stage = new NginxStage(Weights(100));
        var master = stage.Nginx.Pid ?? throw new InvalidOperationException("nginx is not running");
        var oldWorkers = NginxWorkers.Accepting(master);
        Assert.NotEmpty(oldWorkers);
        var router = new NginxRouter(stage.Settings(), new Redactor());

        foreach (var pid in oldWorkers) ExternalProcess.Kill(pid, SigStop);
        try
        {
            // The reload's own wait for the old workers gives up after confirmTimeout; the new workers serve green.
            await router.ApplyAsync(Weights(0), CancellationToken.None);
            Assert.All(oldWorkers, pid => Assert.True(Alive(pid), $"old worker {pid} exited while stopped"));
            Assert.Empty(NginxWorkers.Retiring(master)); // still titled "worker process": a title scan sees no retiring worker

            var wait = router.WaitUntilRetiredAsync(CancellationToken.None);
            // Frozen, the old worker cannot exit: a wait that ended now ended while it was still alive (the bug).
            await Task.WhenAny(wait, Task.Delay(TimeSpan.FromSeconds(1)));
            Assert.False(wait.IsCompleted, $"the wait ended while old worker(s) {string.Join(", ", oldWorkers)} still ran: '{(wait.IsCompleted ? await wait : "")}'");

            foreach (var pid in oldWorkers) ExternalProcess.Kill(pid, SigCont);
            var waited = await wait.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Contains("previous configuration finished", waited);
            Assert.All(oldWorkers, pid => Assert.False(Alive(pid), $"old worker {pid} still runs after the wait"));
            Assert.Null(await router.WaitUntilRetiredAsync(CancellationToken.None));
        }
        finally
        {
            foreach (var pid in oldWorkers) ExternalProcess.Kill(pid, SigCont);
        }
    }

    private static bool Alive(int pid) => Directory.Exists($"/proc/{pid}");
}
