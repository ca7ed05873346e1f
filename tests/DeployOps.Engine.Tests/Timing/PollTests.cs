using DeployOps.Engine.Timing;
using Microsoft.Extensions.Time.Testing;

namespace DeployOps.Engine.Tests.Timing;

/// <summary>Poll.UntilAsync on a fake clock: exact number of tries, exact deadline, cancellation; no real waiting.</summary>
public sealed class PollTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(25);

    /// <summary>Runs the poll, advancing the fake clock one interval each time the loop is waiting on it.</summary>
    private static async Task<(string? Result, int Tries)> DriveAsync(FakeTimeProvider clock, Func<int, string?> answer, TimeSpan timeout,
        CancellationToken ct = default)
    {
        var tries = 0;
        var poll = Poll.UntilAsync(_ => Task.FromResult(answer(++tries)), timeout, Interval, clock, ct);
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30)); // a broken loop fails, never hangs
        while (!poll.IsCompleted)
        {
            await Task.Yield();
            clock.Advance(Interval);
            guard.Token.ThrowIfCancellationRequested();
        }
        return (await poll, tries);
    }

    [Fact]
    public async Task Returns_the_first_value_and_stops_trying()
    {
        var clock = new FakeTimeProvider();
        var (result, tries) = await DriveAsync(clock, n => n == 3 ? "won" : null, TimeSpan.FromMilliseconds(300));
        Assert.Equal("won", result);
        Assert.Equal(3, tries);
    }

    [Fact]
    public async Task Gives_up_exactly_at_the_deadline_after_one_try_per_interval()
    {
        var clock = new FakeTimeProvider();
        var start = clock.GetUtcNow();
        var (result, tries) = await DriveAsync(clock, _ => null, TimeSpan.FromMilliseconds(300));
        Assert.Null(result);
        Assert.Equal(13, tries); // at 0, 25, …, 300 ms
        Assert.Equal(TimeSpan.FromMilliseconds(300), clock.GetUtcNow() - start);
    }

    [Fact]
    public async Task The_last_wait_is_cut_to_the_deadline_so_the_last_try_is_at_the_timeout()
    {
        var clock = new FakeTimeProvider();
        var start = clock.GetUtcNow();
        var times = new List<TimeSpan>();
        var poll = Poll.UntilAsync(_ => { times.Add(clock.GetUtcNow() - start); return Task.FromResult<string?>(null); },
            TimeSpan.FromMilliseconds(310), Interval, clock, default);
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!poll.IsCompleted)
        {
            await Task.Yield();
            clock.Advance(TimeSpan.FromMilliseconds(5)); // finer than the interval: the cut wait is seen exactly
            guard.Token.ThrowIfCancellationRequested();
        }
        Assert.Null(await poll);
        Assert.Equal(14, times.Count); // at 0, 25, …, 300 ms and at the deadline, not at 325 ms
        Assert.Equal(TimeSpan.FromMilliseconds(300), times[^2]);
        Assert.Equal(TimeSpan.FromMilliseconds(310), times[^1]);
        Assert.Equal(TimeSpan.FromMilliseconds(310), clock.GetUtcNow() - start);
    }

    [Fact]
    public async Task A_zero_timeout_still_tries_once()
    {
        var (result, tries) = await DriveAsync(new FakeTimeProvider(), _ => null, TimeSpan.Zero);
        Assert.Null(result);
        Assert.Equal(1, tries);
    }

    [Fact]
    public async Task Cancellation_ends_the_wait()
    {
        using var cts = new CancellationTokenSource();
        var poll = Poll.UntilAsync<string>(_ => Task.FromResult<string?>(null), TimeSpan.FromHours(1), Interval, new FakeTimeProvider(), cts.Token);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => poll.WaitAsync(TimeSpan.FromSeconds(30)));
    }
}
