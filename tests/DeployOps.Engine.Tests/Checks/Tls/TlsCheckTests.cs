using System.Security.Cryptography.X509Certificates;
using DeployOps.Engine.Checks;
using DeployOps.Engine.Tests.Fixtures;
using static DeployOps.Engine.Tests.Checks.Support.ConfiguredCheck;

namespace DeployOps.Engine.Tests.Checks.Tls;

public sealed class TlsCheckTests : IDisposable
{
    private readonly TestCertificates _certs = new();
    private readonly string _dir = ExternalProcess.TempDirectory("deployops-tls");
    private readonly string _caFile;

    public TlsCheckTests() => _caFile = TestCertificates.WritePem(Path.Combine(_dir, "ca.pem"), _certs.Ca);

    public void Dispose()
    {
        _certs.Dispose();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private static Task<CheckResult> Run(string keys) => RunAsync($"  - name: cert\n    kind: tls\n    timeout: 5s\n{keys}");

    private async Task<CheckResult> Live(X509Certificate2 served, string extra = "")
    {
        using var server = new LoopbackHttpServer(served);
        return await Run($"    host: 127.0.0.1\n    port: {server.Port}\n    caFile: {Q(_caFile)}\n{extra}");
    }

    [Fact]
    public async Task Valid_certificate_from_a_live_endpoint_passes_against_the_configured_ca()
    {
        var result = await Live(_certs.Valid("localhost", "127.0.0.1"));

        Assert.Equal(CheckStatus.Passed, result.Status);
        Assert.Equal("Security", result.Category);
        Assert.StartsWith("127.0.0.1:", result.Target);
        Assert.Contains("chain trusted", result.Message);
        Assert.InRange((int)result.Data["daysLeft"]!, 363, 365);
        Assert.Equal(true, result.Data["hostnameMatches"]);
        Assert.Equal(true, result.Data["chainTrusted"]);
        Assert.Equal("CN=DeployOps Test CA", result.Data["issuer"]);
    }

    [Fact]
    public async Task Certificate_expiring_in_five_days_fails_the_thirty_day_minimum()
    {
        var result = await Live(_certs.ExpiringInDays(5));

        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.Matches(@"certificate expires in [45] day\(s\) on .*, fewer than minDaysLeft 30", result.Message);
        Assert.InRange((int)result.Data["daysLeft"]!, 4, 5);
        Assert.Equal(true, result.Data["chainTrusted"]);
    }

    [Fact]
    public async Task A_lower_minimum_accepts_the_same_certificate()
    {
        var result = await Live(_certs.ExpiringInDays(5), "    minDaysLeft: 3\n");
        Assert.Equal(CheckStatus.Passed, result.Status);
    }

    [Fact]
    public async Task Expired_certificate_fails_saying_when_it_expired()
    {
        var result = await Live(_certs.Expired());

        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.Matches(@"^certificate expired on \d{4}-\d\d-\d\d .* \(3 day\(s\) ago\)$", result.Message);
        Assert.True((int)result.Data["daysLeft"]! < 0);
    }

    [Fact]
    public async Task Certificate_for_another_host_fails_the_host_name_match()
    {
        var result = await Live(_certs.Valid("api.example.test"));

        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.Equal("certificate does not cover host name '127.0.0.1' (it covers: api.example.test)", result.Message);
        Assert.Equal(false, result.Data["hostnameMatches"]);
    }

    [Fact]
    public async Task Configured_host_name_is_used_for_the_match_and_sni()
    {
        var served = _certs.Valid("api.example.test");
        var matching = await Live(served, "    hostname: api.example.test\n");
        var wildcard = await Live(_certs.Valid("*.example.test"), "    hostname: shop.example.test\n");

        Assert.Equal(CheckStatus.Passed, matching.Status);
        Assert.Equal(CheckStatus.Passed, wildcard.Status);
    }

    [Fact]
    public async Task Untrusted_chain_fails_against_the_system_store_and_a_foreign_ca()
    {
        using var server = new LoopbackHttpServer(_certs.Valid());
        using var otherCa = new TestCertificates("Some Other CA");
        var otherCaFile = TestCertificates.WritePem(Path.Combine(_dir, "other-ca.pem"), otherCa.Ca);

        var system = await Run($"    address: 127.0.0.1:{server.Port}\n");
        var foreign = await Run($"    address: 127.0.0.1:{server.Port}\n    caFile: {Q(otherCaFile)}\n");
        var unchecked_ = await Run($"    address: 127.0.0.1:{server.Port}\n    verifyChain: false\n");

        Assert.Equal(CheckStatus.Failed, system.Status);
        Assert.Contains("chain is not trusted by the system store", system.Message);
        Assert.Equal(false, system.Data["chainTrusted"]);
        Assert.Equal(CheckStatus.Failed, foreign.Status);
        Assert.Contains($"chain is not trusted by {otherCaFile}", foreign.Message);
        Assert.Equal(CheckStatus.Passed, unchecked_.Status);
        Assert.False(unchecked_.Data.ContainsKey("chainTrusted"));
    }

    [Fact]
    public async Task Pem_files_are_judged_the_same_way()
    {
        var valid = TestCertificates.WritePem(Path.Combine(_dir, "valid.pem"), _certs.Valid("shop.example.test"), _certs.Ca);
        var expiring = TestCertificates.WritePem(Path.Combine(_dir, "expiring.pem"), _certs.ExpiringInDays(5, "shop.example.test"));
        var expired = TestCertificates.WritePem(Path.Combine(_dir, "expired.pem"), _certs.Expired("shop.example.test"));
        var future = TestCertificates.WritePem(Path.Combine(_dir, "future.pem"), _certs.NotYetValid("shop.example.test"));

        var ok = await Run($"    file: {Q(valid)}\n    caFile: {Q(_caFile)}\n    hostname: shop.example.test\n");
        var wrongHost = await Run($"    file: {Q(valid)}\n    caFile: {Q(_caFile)}\n    hostname: admin.example.test\n");
        var soon = await Run($"    file: {Q(expiring)}\n    caFile: {Q(_caFile)}\n");
        var gone = await Run($"    file: {Q(expired)}\n    caFile: {Q(_caFile)}\n");
        var early = await Run($"    file: {Q(future)}\n    caFile: {Q(_caFile)}\n");

        Assert.Equal(CheckStatus.Passed, ok.Status);
        Assert.Equal(valid, ok.Target);
        Assert.False(soon.Data.ContainsKey("hostname"));
        Assert.Equal(CheckStatus.Failed, wrongHost.Status);
        Assert.Contains("does not cover host name 'admin.example.test'", wrongHost.Message);
        Assert.Equal(CheckStatus.Failed, soon.Status);
        Assert.Contains("fewer than minDaysLeft 30", soon.Message);
        Assert.Equal(CheckStatus.Failed, gone.Status);
        Assert.StartsWith("certificate expired on", gone.Message);
        Assert.Equal(CheckStatus.Failed, early.Status);
        Assert.StartsWith("certificate is not valid yet: valid from", early.Message);
    }

    [Fact]
    public async Task Missing_file_and_closed_port_fail_with_the_reason()
    {
        var missing = await Run($"    file: {Q(Path.Combine(_dir, "nope.pem"))}\n");
        var port = FreePort.Next();
        var closed = await Run($"    host: 127.0.0.1\n    port: {port}\n");

        Assert.Equal(CheckStatus.Failed, missing.Status);
        Assert.StartsWith("certificate file not found:", missing.Message);
        Assert.Equal(CheckStatus.Failed, closed.Status);
        Assert.StartsWith($"cannot connect to 127.0.0.1:{port}: ConnectionRefused", closed.Message);
    }

    [Fact]
    public void Configuration_needs_exactly_one_source()
    {
        using var check = new Support.ConfiguredCheck("""
              - name: none
                kind: tls
              - name: both
                kind: tls
                file: cert.pem
                host: example.test
              - name: bad
                kind: tls
                address: example.test
            """);
        var errors = check.Validate();

        Assert.Contains(errors, e => e.Path == "checks[0]" && e.Message.Contains("needs 'file'"));
        Assert.Contains(errors, e => e.Path == "checks[1].file" && e.Message.Contains("not both"));
        Assert.Contains(errors, e => e.Path == "checks[2].address" && e.Message.Contains("expected host:port"));
    }
}
