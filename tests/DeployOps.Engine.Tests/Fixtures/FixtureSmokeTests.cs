namespace DeployOps.Engine.Tests.Fixtures;

/// <summary>The fixtures themselves start real servers and stop them by PID.</summary>
[Collection(PostgresCollection.Name)]
public sealed class FixtureSmokeTests
{
    private readonly PostgresFixture _postgres;

    public FixtureSmokeTests(PostgresFixture postgres) => _postgres = postgres;

    [Fact]
    public void Postgres_fixture_answers_with_password_auth_over_tcp()
    {
        Assert.Equal(1, _postgres.Scalar<int>("postgres", "SELECT 1"));
        var db = _postgres.CreateDatabase();
        _postgres.Execute(db, "CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2)");
        Assert.Equal(2L, _postgres.Scalar<long>(db, "SELECT count(*) FROM t"));
    }

    [Fact]
    public async Task Nginx_fixture_serves_and_stops()
    {
        using var nginx = new NginxFixture();
        var port = FreePort.Next();
        nginx.WriteConf("site.conf", $"server {{ listen 127.0.0.1:{port}; location / {{ return 200 'hello\\n'; }} }}");
        Assert.True(nginx.Test().Ok, nginx.Test().Output);
        nginx.Start(port);
        using var http = new HttpClient();
        Assert.Equal("hello\n", await http.GetStringAsync($"http://127.0.0.1:{port}/"));
        nginx.Stop();
        Assert.Null(nginx.Pid);
    }

    [Fact]
    public async Task Demo_app_runs_reports_version_and_metrics()
    {
        using var app = new DemoAppProcess("2.1.0");
        using var http = new HttpClient();
        Assert.Contains("\"version\":\"2.1.0\"", await http.GetStringAsync(app.BaseUrl + "/version"));
        Assert.Equal(5, await app.SendRequestsAsync(5)); // plus the /version request above
        Assert.Contains("http_requests_total{status=\"200\"} 6", await http.GetStringAsync(app.BaseUrl + "/metrics"));
    }
}
