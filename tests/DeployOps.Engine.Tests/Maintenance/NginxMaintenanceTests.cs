using System.Net;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Maintenance;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Maintenance;

/// <summary>A real nginx proxying to the real demo app, switched to the maintenance page and back.</summary>
public sealed class NginxMaintenanceTests : IClassFixture<DemoAppFixture>, IDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly DemoAppProcess _app;
    private readonly NginxFixture _nginx = new();
    private readonly int _port = FreePort.Next();
    private readonly string _include;

    public NginxMaintenanceTests(DemoAppFixture demo)
    {
        _app = demo.App;
        _include = Path.Combine(_nginx.Prefix, "deployops-maintenance.conf");
        File.WriteAllText(_include, ""); // the operator creates it empty once; the site includes it
        _nginx.WriteConf("site.conf", $$"""
            server {
                listen 127.0.0.1:{{_port}};
                # Trust X-Forwarded-For from loopback, so tests can present another client address without leaving 127.0.0.1.
                set_real_ip_from 127.0.0.1;
                real_ip_header X-Forwarded-For;
                include {{_include}};
                location / { proxy_pass http://127.0.0.1:{{_app.Port}}; }
            }
            """);
        _nginx.Start(_port);
    }

    private string Url(string path) => $"http://127.0.0.1:{_port}{path}";

    private string Yaml(string nginxExtra = "", string before = "") =>
        "maintenance:\n" + before +
        $"  nginx:\n    includeFile: {_include}\n    arguments: \"{_nginx.Arguments}\"\n    retryAfter: 2m\n" + nginxExtra;

    [Fact]
    public async Task Proxy_serves_the_app_then_the_maintenance_page_with_Retry_After_and_bypass_then_the_app_again()
    {
        using var cfg = new MaintenanceConfig(Yaml("    pageHtml: '<h1>Back soon</h1><p>costs $5 \"today\"</p>'\n"));
        using (var before = await Http.GetAsync(Url("/api/orders")))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
            Assert.True(before.Headers.Contains("X-App-Version"));
        }

        var sink = new RecordingSink();
        var on = await MaintenanceMode.EnterAsync(cfg.Config, new EnterMaintenanceOptions { Reason = "nginx test" }, sink, default);
        Assert.Empty(sink.Errors);
        Assert.Equal(MaintenanceStatus.On, on.Status);
        Assert.Equal("nginx test", on.Reason); // read back from the include file's info comment

        await Eventually.WaitAsync(async () => (await StatusAsync("/api/orders")) == HttpStatusCode.ServiceUnavailable, "maintenance page");
        using (var page = await Http.GetAsync(Url("/api/orders")))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, page.StatusCode);
            Assert.Equal("120", Assert.Single(page.Headers.GetValues("Retry-After")));
            Assert.False(page.Headers.Contains("X-App-Version")); // nginx answered, not the app
            var body = await page.Content.ReadAsStringAsync();
            Assert.Equal("<h1>Back soon</h1><p>costs &#36;5 \"today\"</p>", body);
            Assert.StartsWith("text/html", page.Content.Headers.ContentType!.ToString());
        }
        using (var post = await Http.PostAsync(Url("/api/orders"), new StringContent("{}")))
            Assert.Equal(HttpStatusCode.ServiceUnavailable, post.StatusCode);
        using (var health = await Http.GetAsync(Url("/health")))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode); // bypass path still reaches the app
            Assert.True(health.Headers.Contains("X-App-Version"));
            Assert.False(health.Headers.Contains("Retry-After"));
        }

        var off = await MaintenanceMode.ExitAsync(cfg.Config, new ExitMaintenanceOptions(), sink, default);
        Assert.Equal(MaintenanceStatus.Off, off.Status);
        await Eventually.WaitAsync(async () => (await StatusAsync("/api/orders")) == HttpStatusCode.OK, "app served again");
        Assert.Empty(sink.Errors);
        Assert.Contains(cfg.Audit(), a => a.Target == "Nginx " + _include && a.Action == "enter maintenance" && a.Outcome == "Succeeded");
        Assert.Contains(cfg.Audit(), a => a.Target == "Nginx " + _include && a.Action == "exit maintenance" && a.Outcome == "Succeeded");
    }

    [Fact]
    public async Task Allowed_client_addresses_still_reach_the_app()
    {
        using var cfg = new MaintenanceConfig(Yaml("    allowFrom: [203.0.113.7]\n    bypassPaths: []\n"));
        await MaintenanceMode.EnterAsync(cfg.Config, new EnterMaintenanceOptions(), new RecordingSink(), default);
        await Eventually.WaitAsync(async () => (await StatusAsync("/api/orders")) == HttpStatusCode.ServiceUnavailable, "maintenance page");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await StatusAsync("/health")); // no bypass paths configured

        using var request = new HttpRequestMessage(HttpMethod.Get, Url("/api/orders"));
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");
        using var allowed = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.True(allowed.Headers.Contains("X-App-Version"));
        await MaintenanceMode.ExitAsync(cfg.Config, new ExitMaintenanceOptions(), new RecordingSink(), default);
    }

    [Fact]
    public async Task Nginx_test_failure_restores_the_include_reloads_nothing_and_names_file_and_line()
    {
        using var cfg = new MaintenanceConfig(Yaml(before: MaintenanceConfig.FlagFile));
        var broken = _nginx.WriteConf("zz-broken.conf", "# a colleague's half-finished edit\nproxy_bufer_size 8k;\n"); // not reloaded
        var before = File.ReadAllText(_include);

        var sink = new RecordingSink();
        var state = await MaintenanceMode.EnterAsync(cfg.Config, new EnterMaintenanceOptions(), sink, default);

        var error = Assert.Single(sink.Errors);
        Assert.Equal(ErrorIds.NginxConfigInvalid, error.ErrorId);
        Assert.Contains($"{broken}:2", error.Message);
        Assert.Contains("unknown directive \"proxy_bufer_size\"", error.Message);
        Assert.Equal($"{broken}:2", error.Target);
        Assert.Equal(before, File.ReadAllText(_include)); // the live include is untouched
        Assert.Equal(HttpStatusCode.OK, await StatusAsync("/api/orders"));
        Assert.Equal(MaintenanceStatus.Inconsistent, state.Status); // the flag file went on, nginx did not
        Assert.Contains("FlagFile is on but Nginx is off", state.Disagreement);
        Assert.Contains(cfg.Audit(), a => a.Target.StartsWith("Nginx") && a.Outcome == "Failed" && a.Details["errorId"] == ErrorIds.NginxConfigInvalid);

        // Exit after the partial enter: the flag goes, nginx has nothing to undo.
        var off = await MaintenanceMode.ExitAsync(cfg.Config, new ExitMaintenanceOptions(), new RecordingSink(), default);
        Assert.Equal(MaintenanceStatus.Off, off.Status);
        Assert.False(File.Exists(cfg.FlagPath));
    }

    [Fact]
    public async Task Enter_and_exit_return_only_once_nginx_workers_of_the_previous_configuration_stopped_accepting()
    {
        // A hotfix stops the slot right after Enter: an old worker still accepting then proxies to it (a 502, issue 13 §2).
        using var cfg = new MaintenanceConfig(Yaml());
        var master = _nginx.Pid ?? throw new InvalidOperationException("nginx is not running");
        for (var round = 0; round < 5; round++)
        {
            var before = DeployOps.Engine.Traffic.NginxWorkers.Accepting(master);
            Assert.NotEmpty(before);
            await MaintenanceMode.EnterAsync(cfg.Config, new EnterMaintenanceOptions(), new RecordingSink(), default);
            Assert.False(DeployOps.Engine.Traffic.NginxWorkers.Accepting(master).Overlaps(before), $"round {round}: a pre-reload worker still accepts after Enter");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, await StatusAsync("/api/orders")); // no Eventually: live at once

            before = DeployOps.Engine.Traffic.NginxWorkers.Accepting(master);
            await MaintenanceMode.ExitAsync(cfg.Config, new ExitMaintenanceOptions(), new RecordingSink(), default);
            Assert.False(DeployOps.Engine.Traffic.NginxWorkers.Accepting(master).Overlaps(before), $"round {round}: a pre-reload worker still accepts after Exit");
            Assert.Equal(HttpStatusCode.OK, await StatusAsync("/api/orders"));
        }
    }

    private async Task<HttpStatusCode> StatusAsync(string path)
    {
        using var response = await Http.GetAsync(Url(path));
        return response.StatusCode;
    }

    public void Dispose() => _nginx.Dispose();
}
