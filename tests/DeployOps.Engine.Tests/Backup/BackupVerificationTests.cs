using System.Text.Json.Nodes;
using DeployOps.Engine.Backup;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Backup;

[Collection(PostgresCollection.Name)]
public sealed class BackupVerificationTests
{
    private readonly PostgresFixture _pg;

    public BackupVerificationTests(PostgresFixture pg) => _pg = pg;

    [Fact]
    public async Task A_good_backup_verifies_the_verdict_is_stored_and_the_scratch_database_is_dropped()
    {
        using var ctx = new BackupTestContext(_pg, "verifyQuery: SELECT count(*) = 500 FROM orders");
        var backup = (await ctx.Manager.BackupAsync(new BackupOptions(), new RecordingSink(), default))!;

        var verification = (await ctx.Manager.VerifyAsync(backup.Id, new RecordingSink(), default))!;

        Assert.True(verification.Passed, verification.Summary);
        Assert.True(verification.ChecksumMatched);
        Assert.Equal(3, verification.TablesCompared);
        Assert.Contains("returned True", verification.QueryResult);
        Assert.False(ctx.DatabaseExists(verification.ScratchDatabase));
        var reread = (await ctx.Manager.FindAsync(backup.Id))!;
        Assert.True(reread.Verified);
        Assert.NotNull(reread.VerifiedAt);
    }

    [Theory]
    [InlineData("flip")]
    [InlineData("truncate")]
    public async Task A_corrupted_dump_fails_on_its_checksum_before_any_restore(string damage)
    {
        using var ctx = new BackupTestContext(_pg, "format: custom");
        var backup = (await ctx.Manager.BackupAsync(new BackupOptions(), new RecordingSink(), default))!;
        var bytes = await File.ReadAllBytesAsync(backup.Path);
        if (damage == "flip") bytes[bytes.Length / 2] ^= 0xFF;
        else bytes = bytes[..(bytes.Length / 2)];
        await File.WriteAllBytesAsync(backup.Path, bytes);

        var verification = (await ctx.Manager.VerifyAsync(backup.Id, new RecordingSink(), default))!;

        Assert.False(verification.Passed);
        Assert.False(verification.ChecksumMatched);
        Assert.Contains("sha256 mismatch", verification.Summary);
        Assert.Equal(ErrorIds.BackupCorrupt, verification.ToError()!.ErrorId);
        Assert.False((await ctx.Manager.FindAsync(backup.Id))!.Verified);
        var restore = await Assert.ThrowsAsync<DeployOpsException>(() =>
            ctx.Manager.RestoreAsync(new RestoreOptions { Id = backup.Id }, new RecordingSink(), default));
        Assert.Equal(ErrorIds.BackupCorrupt, restore.ErrorId);
        Assert.Contains("unchanged", restore.Message);
    }

    [Fact]
    public async Task A_dump_whose_manifest_counts_differ_fails_the_count_comparison()
    {
        using var ctx = new BackupTestContext(_pg);
        var backup = (await ctx.Manager.BackupAsync(new BackupOptions(), new RecordingSink(), default))!;
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(backup.ManifestPath))!;
        manifest["tables"]!["public.orders"] = 501;
        manifest["tables"]!["public.ghost"] = 7;
        await File.WriteAllTextAsync(backup.ManifestPath, manifest.ToJsonString());

        var verification = (await ctx.Manager.VerifyAsync(backup.Id, new RecordingSink(), default))!;

        Assert.False(verification.Passed);
        Assert.True(verification.ChecksumMatched);
        Assert.Contains(verification.Problems, p => p.Contains("public.orders: backup has 501 rows, restored copy has 500"));
        Assert.Contains(verification.Problems, p => p.Contains("public.ghost") && p.Contains("missing"));
        Assert.Equal(ErrorIds.BackupVerificationFailed, verification.ToError()!.ErrorId);
        Assert.False(ctx.DatabaseExists(verification.ScratchDatabase));
    }

    [Fact]
    public async Task A_failing_verification_query_fails_the_verdict()
    {
        using var ctx = new BackupTestContext(_pg, "verifyQuery: SELECT count(*) FROM orders WHERE total < 0");
        var sink = new RecordingSink();
        var backup = (await ctx.Manager.BackupAsync(new BackupOptions { Verify = true }, sink, default))!;

        Assert.False(backup.Verified);
        Assert.Contains("returned 0", backup.VerificationDetails);
        Assert.Contains(sink.Errors, e => e.ErrorId == ErrorIds.BackupVerificationFailed);
    }
}
