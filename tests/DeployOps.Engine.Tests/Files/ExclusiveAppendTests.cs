using System.Text;
using DeployOps.Engine.Files;
using Microsoft.Extensions.Time.Testing;

namespace DeployOps.Engine.Tests.Files;

/// <summary>
/// The exclusive append waits for another writer on an injected clock: it appends as soon as the holder lets go,
/// and gives up with the IOException only once the wait has passed on that clock (a fake one here: no sleeping).
/// </summary>
public sealed class ExclusiveAppendTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("deployops-append-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Another process's writer: an exclusive open (a flock on Linux) held until disposed.</summary>
    private static FileStream Hold(string path) => new(path, FileMode.Append, FileAccess.Write, FileShare.None);

    private static Task StartWrite(string path, string line, TimeSpan wait, TimeProvider clock) =>
        Task.Run(() => ExclusiveAppend.Write(path, Encoding.UTF8.GetBytes(line), wait, clock));

    [Fact]
    public async Task Appends_once_the_other_writer_lets_go()
    {
        var path = Path.Combine(_dir, "audit.jsonl");
        File.WriteAllText(path, "first\n");
        var clock = new FakeTimeProvider();
        Task write;
        using (Hold(path))
        {
            write = StartWrite(path, "second\n", TimeSpan.FromSeconds(10), clock);
            for (var i = 0; i < 20; i++)
            {
                await Task.Delay(5);
                clock.Advance(TimeSpan.FromMilliseconds(15));
            }
            Assert.False(write.IsCompleted, "the write must wait while the file is held");
        }
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!write.IsCompleted)
        {
            await Task.Delay(5);
            clock.Advance(TimeSpan.FromMilliseconds(15));
            guard.Token.ThrowIfCancellationRequested();
        }
        await write;
        Assert.Equal("first\nsecond\n", File.ReadAllText(path));
    }

    [Fact]
    public async Task Gives_up_with_the_IOException_only_after_the_wait_has_passed_on_the_clock()
    {
        var path = Path.Combine(_dir, "index.jsonl");
        File.WriteAllText(path, "");
        var clock = new FakeTimeProvider();
        var start = clock.GetUtcNow();
        var wait = TimeSpan.FromSeconds(1);
        var holder = Hold(path);
        var write = StartWrite(path, "lost\n", wait, clock);
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!write.IsCompleted)
        {
            // The write starts at or after `start`, so before start + wait it may not have given up.
            if (clock.GetUtcNow() - start < wait) Assert.False(write.IsFaulted, "gave up before the wait had passed");
            await Task.Delay(5);
            clock.Advance(TimeSpan.FromMilliseconds(5));
            guard.Token.ThrowIfCancellationRequested();
        }
        holder.Dispose();
        await Assert.ThrowsAsync<IOException>(() => write);
        Assert.True(clock.GetUtcNow() - start >= wait);
        Assert.Equal("", File.ReadAllText(path));
    }
}
