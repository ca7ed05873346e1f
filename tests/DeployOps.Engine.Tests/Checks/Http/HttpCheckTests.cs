using DeployOps.Engine.Checks;
using DeployOps.Engine.Tests.Fixtures;
using static DeployOps.Engine.Tests.Checks.Support.ConfiguredCheck;

namespace DeployOps.Engine.Tests.Checks.Http;

public sealed class HttpCheckTests : IDisposable
{
    private readonly LoopbackHttpServer _server = new();

    public void Dispose() => _server.Dispose();

    private Task<CheckResult> Run(string keys, string extra = "") =>
        RunAsync($"  - name: web\n    kind: http\n    timeout: 5s\n{keys}", extra);

    [Fact]
    public async Task Named_endpoint_with_non_empty_model_list_passes()
    {
        _server.Route("/api/tags", 200, """{"models":[{"name":"llama3:8b"}]}""");
        var result = await Run("    endpoint: ollama\n    path: /api/tags\n    jsonPath: models\n    nonEmpty: true\n",
            $"endpoints:\n  ollama: {Q(_server.BaseUrl)}\n");

        Assert.Equal(CheckStatus.Passed, result.Status);
        Assert.Equal("Service", result.Category);
        Assert.Equal($"GET {_server.BaseUrl}/api/tags", result.Target);
        Assert.Equal(200, result.Data["statusCode"]);
        Assert.Equal(1, result.Data["jsonCount"]);
        Assert.IsType<double>(result.Data["latencyMs"]);
    }

    [Fact]
    public async Task Empty_model_list_fails_non_empty()
    {
        _server.Route("/api/tags", 200, """{"models":[]}""");
        var result = await Run($"    url: {Q(_server.BaseUrl + "/api/tags")}\n    jsonPath: models\n    nonEmpty: true\n");

        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.Contains("JSON path 'models' is empty (an array of 0)", result.Message);
        Assert.Equal(0, result.Data["jsonCount"]);
    }

    [Fact]
    public async Task Unexpected_status_fails_and_shows_what_the_endpoint_said()
    {
        _server.Route("/health", 503, "database unreachable", "text/plain");
        var result = await Run($"    url: {Q(_server.BaseUrl + "/health")}\n");

        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.Contains("answered 503 Service Unavailable, expected 200: database unreachable", result.Message);
        Assert.Equal(503, result.Data["statusCode"]);
    }

    [Fact]
    public async Task A_list_of_expected_statuses_accepts_any_of_them()
    {
        _server.Route("/ping", 204, "");
        var passed = await Run($"    url: {Q(_server.BaseUrl + "/ping")}\n    expectStatus: [200, 204]\n");
        var failed = await Run($"    url: {Q(_server.BaseUrl + "/ping")}\n    expectStatus: 200\n");

        Assert.Equal(CheckStatus.Passed, passed.Status);
        Assert.Equal(CheckStatus.Failed, failed.Status);
        Assert.Contains("answered 204", failed.Message);
    }

    [Fact]
    public async Task Json_path_value_must_equal_the_expected_value()
    {
        _server.Route("/status", 200, """{"data":{"items":[{"name":"primary","healthy":true}]},"status":"degraded"}""");
        var url = Q(_server.BaseUrl + "/status");

        var nested = await Run($"    url: {url}\n    jsonPath: data.items[0].name\n    equals: primary\n");
        var boolean = await Run($"    url: {url}\n    jsonPath: data.items[0].healthy\n    equals: true\n");
        var mismatch = await Run($"    url: {url}\n    jsonPath: status\n    equals: ok\n");
        var missing = await Run($"    url: {url}\n    jsonPath: data.items[3].name\n    equals: x\n");

        Assert.Equal(CheckStatus.Passed, nested.Status);
        Assert.Equal("primary", nested.Data["jsonValue"]);
        Assert.Equal(CheckStatus.Passed, boolean.Status);
        Assert.Equal(CheckStatus.Failed, mismatch.Status);
        Assert.Contains("JSON path 'status' is 'degraded', expected 'ok'", mismatch.Message);
        Assert.Equal(CheckStatus.Failed, missing.Status);
        Assert.Contains("'data.items' has 1 item(s), no index 3", missing.Message);
    }

    [Fact]
    public async Task Non_json_body_fails_a_json_path_check()
    {
        _server.Route("/", 200, "<html>hello</html>", "text/html");
        var result = await Run($"    url: {Q(_server.BaseUrl + "/")}\n    jsonPath: status\n    equals: ok\n");
        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.Contains("is not JSON", result.Message);
    }

    [Fact]
    public async Task Body_must_contain_the_configured_text()
    {
        _server.Route("/", 200, "<title>Grafana</title>", "text/html");
        var passed = await Run($"    url: {Q(_server.BaseUrl + "/")}\n    bodyContains: Grafana\n");
        var failed = await Run($"    url: {Q(_server.BaseUrl + "/")}\n    bodyContains: Kibana\n");

        Assert.Equal(CheckStatus.Passed, passed.Status);
        Assert.Equal(CheckStatus.Failed, failed.Status);
        Assert.Contains("does not contain 'Kibana'", failed.Message);
    }

    [Fact]
    public async Task Slower_than_max_latency_is_a_warning()
    {
        _server.Route("/slow", new CannedResponse(200, "{}", DelayMs: 400));
        var result = await Run($"    url: {Q(_server.BaseUrl + "/slow")}\n    maxLatency: 50ms\n");

        Assert.Equal(CheckStatus.Warning, result.Status);
        Assert.Contains("slower than the 50ms limit", result.Message);
        Assert.True((double)result.Data["latencyMs"]! > 50);
    }

    [Fact]
    public async Task Method_and_headers_are_sent_and_header_secrets_stay_hidden()
    {
        var token = "tok-" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable("DEPLOYOPS_TEST_HTTP_TOKEN", token);
        _server.Route("HEAD /ready", 200, "");
        using var check = new Support.ConfiguredCheck(
            $"  - name: web\n    kind: http\n    url: {Q(_server.BaseUrl + "/ready")}\n    method: head\n" +
            "    headers:\n      Authorization: Bearer ${env:DEPLOYOPS_TEST_HTTP_TOKEN}\n");
        var result = await check.RunSingleAsync();

        Assert.Equal(CheckStatus.Passed, result.Status);
        var request = Assert.Single(_server.Requests);
        Assert.StartsWith("HEAD /ready HTTP/1.1", request);
        Assert.Contains($"Authorization: Bearer {token}", request);
        Assert.DoesNotContain(token, check.Sink.AllText());
        Assert.DoesNotContain(token, check.AuditText());
    }

    [Fact]
    public async Task Endpoint_that_hangs_fails_as_timed_out_after_the_check_timeout()
    {
        using var hanging = new HangingHttpServer();
        var result = await RunAsync($"  - name: hung\n    kind: http\n    timeout: 1s\n    url: {Q(hanging.BaseUrl + "/health")}\n");

        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.Equal("timed out after 1s", result.Message);
        Assert.Equal(1, hanging.RequestsReceived);
        Assert.InRange(result.Duration, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Connection_refused_fails_naming_the_reason()
    {
        var port = FreePort.Next();
        var result = await Run($"    url: 'http://127.0.0.1:{port}/health'\n");

        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.Contains($"GET http://127.0.0.1:{port}/health failed: ConnectionRefused", result.Message);
    }

    [Fact]
    public async Task Tls_is_validated_by_default_and_skipping_validation_warns()
    {
        using var certificates = new TestCertificates();
        using var https = new LoopbackHttpServer(certificates.Valid());
        https.Route("/health", 200, """{"status":"ok"}""");

        var validated = await Run($"    url: {Q(https.BaseUrl + "/health")}\n");
        var skipped = await Run($"    url: {Q(https.BaseUrl + "/health")}\n    insecureSkipVerify: true\n    jsonPath: status\n    equals: ok\n");

        Assert.Equal(CheckStatus.Failed, validated.Status);
        Assert.Contains("TLS validation failed", validated.Message);
        Assert.Equal(CheckStatus.Warning, skipped.Status);
        Assert.Contains("TLS certificate validation is disabled", skipped.Message);
        Assert.Equal(false, skipped.Data["tlsVerified"]);
    }

    [Fact]
    public async Task Demo_app_health_passes_and_its_api_fails_while_in_maintenance()
    {
        // The setting form (Demo__MaintenanceFlag) is what DEMO_MAINTENANCE_FLAG maps to; either works.
        var flag = Path.Combine(Path.GetTempPath(), "deployops-flag-" + Guid.NewGuid().ToString("N"));
        using var app = new DemoAppProcess("2.4.1", environment: new Dictionary<string, string> { ["Demo__MaintenanceFlag"] = flag });
        using var check = new Support.ConfiguredCheck(
            "  - name: health\n    kind: http\n    endpoint: app\n    path: /health\n    jsonPath: version\n    equals: 2.4.1\n" +
            "  - name: api\n    kind: http\n    endpoint: app\n    path: /api/orders\n    bodyContains: '\"ok\":true'\n",
            $"endpoints:\n  app: {Q(app.BaseUrl)}\n");

        var healthy = await check.RunAllAsync();
        File.WriteAllText(flag, "maintenance");
        try
        {
            var maintenance = await check.RunAllAsync();
            Assert.All(healthy.Results, r => Assert.Equal(CheckStatus.Passed, r.Status));
            Assert.Equal(CheckStatus.Passed, maintenance.Results.Single(r => r.Name == "health").Status);
            var api = maintenance.Results.Single(r => r.Name == "api");
            Assert.Equal(CheckStatus.Failed, api.Status);
            Assert.Contains("answered 503", api.Message);
            Assert.Contains("System undergoing maintenance", api.Message);
        }
        finally
        {
            File.Delete(flag);
        }
    }

    [Fact]
    public void Configuration_mistakes_are_reported_with_their_key()
    {
        using var check = new Support.ConfiguredCheck("""
              - name: a
                kind: http
              - name: b
                kind: http
                endpoint: grafana
              - name: c
                kind: http
                url: 'http://127.0.0.1:1/'
                jsonPath: models
              - name: d
                kind: http
                url: 'ftp://example/'
                expectStatus: [200, abc]
            """, "endpoints:\n  app: 'http://127.0.0.1:1'\n");
        var errors = check.Validate();

        Assert.Contains(errors, e => e.Path == "checks[0]" && e.Message.Contains("needs 'url' or 'endpoint'"));
        Assert.Contains(errors, e => e.Path == "checks[1].endpoint" && e.Message.Contains("unknown endpoint 'grafana' (endpoints: app)"));
        Assert.Contains(errors, e => e.Path == "checks[2].jsonPath" && e.Message.Contains("needs 'equals"));
        Assert.Contains(errors, e => e.Path == "checks[3].url" && e.Message.Contains("not an http"));
        Assert.Contains(errors, e => e.Path == "checks[3].expectStatus" && e.Message.Contains("'abc'"));
    }
}
