using DeployOps.Engine.Clients;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Tests.Fixtures;
using Xunit.Abstractions;

namespace DeployOps.Engine.Tests.Clients;

/// <summary>
/// An ACL user and TLS against real redis-servers: the right user gets in (INFO included, without admin mode), a wrong
/// password or the disabled default user is a clear RedisUnreachable; TLS verifies the server against caFile or the
/// system roots and refuses a certificate signed by another CA unless tlsInsecure says so.
/// </summary>
public sealed class RedisAclTlsTests : IDisposable
{
    private const string UserPassword = "acl-user-pw-5521";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private readonly RedisFixture _acl = new(null, ("deployops", UserPassword), tls: false);
    private readonly RedisFixture _tls = new(null, null, tls: true);
    private readonly ITestOutputHelper _output;

    public RedisAclTlsTests(ITestOutputHelper output) => _output = output;

    private async Task<DeployOpsException> RefusedAsync(RedisSettings settings)
    {
        var ex = await Assert.ThrowsAsync<DeployOpsException>(() => RedisClient.ConnectAsync(settings, CancellationToken.None));
        _output.WriteLine(ex.Message);
        Assert.Equal(ErrorIds.RedisUnreachable, ex.ErrorId);
        Assert.Contains(settings.Endpoint, ex.Message);
        return ex;
    }

    [Fact]
    public async Task Acl_user_with_its_password_pings_reads_info_and_writes()
    {
        await using var client = await RedisClient.ConnectAsync(new RedisSettings(_acl.Endpoint, UserPassword, 1, Timeout, "deployops"), default);
        await client.PingAsync(default);
        Assert.True((await client.InfoAsync("server", default)).ContainsKey("redis_version"));
        await client.SetAsync("acl-key", "v", null, default);
        Assert.Equal("v", await client.GetAsync("acl-key", default));
    }

    [Fact]
    public async Task Acl_user_with_a_wrong_password_names_the_user_and_never_the_password()
    {
        var ex = await RefusedAsync(new RedisSettings(_acl.Endpoint, "not-the-acl-pw-77", 0, Timeout, "deployops"));
        Assert.Contains("authentication failed for ACL user 'deployops'", ex.Message);
        Assert.DoesNotContain("not-the-acl-pw-77", ex.Message);
    }

    [Fact]
    public async Task The_disabled_default_user_is_refused_when_no_user_is_configured()
    {
        var ex = await RefusedAsync(new RedisSettings(_acl.Endpoint, UserPassword, 0, Timeout));
        Assert.Contains("authentication failed", ex.Message);
    }

    [Fact]
    public async Task Tls_with_the_servers_ca_file_works()
    {
        var settings = new RedisSettings(_tls.Endpoint, null, 0, Timeout, tls: new RedisTlsSettings(_tls.CaFile, insecure: false));
        await using var client = await RedisClient.ConnectAsync(settings, default);
        await client.SetAsync("tls-key", "over-tls", null, default);
        Assert.Equal("over-tls", await client.GetAsync("tls-key", default));
        Assert.True((await client.InfoAsync("server", default)).ContainsKey("redis_version"));
    }

    [Fact]
    public async Task Tls_against_a_different_ca_is_refused_and_says_so()
    {
        using var other = new TestCertificates("Some Other CA");
        var otherCa = TestCertificates.WritePem(Path.Combine(_tls.Directory, "other-ca.pem"), other.Ca);
        var ex = await RefusedAsync(new RedisSettings(_tls.Endpoint, null, 0, Timeout, tls: new RedisTlsSettings(otherCa, insecure: false)));
        Assert.Contains("TLS handshake refused", ex.Message);
        Assert.Contains("not signed by a CA in " + otherCa, ex.Message);
    }

    [Fact]
    public async Task Tls_with_system_roots_refuses_a_private_ca_by_default()
    {
        var ex = await RefusedAsync(new RedisSettings(_tls.Endpoint, null, 0, Timeout, tls: new RedisTlsSettings(null, insecure: false)));
        Assert.Contains("not trusted by the system", ex.Message);
        Assert.Contains("redis.caFile", ex.Message);
    }

    [Fact]
    public async Task Tls_insecure_is_an_explicit_opt_in_that_connects_without_verification()
    {
        await using var client = await RedisClient.ConnectAsync(new RedisSettings(_tls.Endpoint, null, 0, Timeout, tls: new RedisTlsSettings(null, insecure: true)), default);
        await client.PingAsync(default);
    }

    public void Dispose()
    {
        _acl.Dispose();
        _tls.Dispose();
    }
}
