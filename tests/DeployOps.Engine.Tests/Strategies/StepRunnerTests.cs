using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Strategies.Steps;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Strategies;

/// <summary>Configured steps run for real: shell commands, HTTP smoke tests against the demo app, SQL against PostgreSQL.</summary>
[Collection(PostgresCollection.Name)]
public sealed class StepRunnerTests
{
    private static readonly StepContext Green = new("2.0.0", "1.0.0", "green", null, "127.0.0.1", 5002);
    private readonly PostgresFixture _postgres;

    public StepRunnerTests(PostgresFixture postgres) => _postgres = postgres;

    [Fact]
    public async Task Command_steps_render_templates_get_variables_and_log_their_output()
    {
        var (config, temp) = SlotSteps.Load("""
                install:
                  - name: write marker
                    command: echo "v={version} prev={previousVersion} slot={slot} port=$DEPLOYOPS_PORT extra=$EXTRA" > marker-{slot}.txt && echo logged-line
                    env: { EXTRA: "x-{version}" }
            """);
        using var _ = temp;
        var logPath = Path.Combine(temp.Directory, "deploy.log");

        await SlotSteps.RunPhaseAsync(config, "install", Green, logPath);

        Assert.Equal("v=2.0.0 prev=1.0.0 slot=green port=5002 extra=x-2.0.0", File.ReadAllText(Path.Combine(temp.Directory, "marker-green.txt")).Trim());
        var log = File.ReadAllText(logPath);
        Assert.Contains("| logged-line", log);
        Assert.Contains("step 'write marker' on green succeeded", log);
    }

    [Fact]
    public async Task A_failing_command_names_the_step_its_exit_code_and_output_tail()
    {
        var (config, temp) = SlotSteps.Load("""
                install:
                  - name: npm install
                    command: echo "resolving deps"; echo "ERR! missing package left-pad" >&2; exit 3
            """);
        using var _ = temp;

        var ex = await Assert.ThrowsAsync<DeployOpsException>(() => SlotSteps.RunPhaseAsync(config, "install", Green, Path.Combine(temp.Directory, "l.log")));

        Assert.Equal(ErrorIds.DeploymentStepFailed, ex.ErrorId);
        Assert.Contains("'npm install'", ex.Message);
        Assert.Contains("phase 'install' on green", ex.Message);
        Assert.Contains("exit code 3", ex.Message);
        Assert.Contains("ERR! missing package left-pad", ex.Message);
    }

    [Fact]
    public async Task A_command_past_its_timeout_fails_as_timed_out()
    {
        var (config, temp) = SlotSteps.Load("""
                start:
                  - name: hangs
                    command: sleep 30
                    timeout: 300ms
            """);
        using var _ = temp;
        var ex = await Assert.ThrowsAsync<DeployOpsException>(() => SlotSteps.RunPhaseAsync(config, "start", Green, Path.Combine(temp.Directory, "l.log")));
        Assert.Contains("timed out after 300ms", ex.Message);
    }

    [Fact]
    public async Task Http_steps_check_status_and_json_against_the_demo_app()
    {
        using var app = new DemoAppProcess("2.0.0");
        var context = new StepContext("2.0.0", "1.0.0", "green", null, "127.0.0.1", app.Port);
        var (config, temp) = SlotSteps.Load("""
                smoke:
                  - name: version answers
                    http:
                      url: http://{host}:{port}/version
                      expectStatus: 200
                      expectJson: { version: "{version}" }
                  - http: http://{host}:{port}/api/orders
                  - name: post works
                    http: { url: "http://{host}:{port}/api/orders", method: POST, body: '{"sku":"a"}', expectJson: { ok: "true", path: orders } }
                verify:
                  - name: wrong version
                    http: { url: "http://{host}:{port}/version", expectJson: { version: "{previousVersion}" } }
                  - name: missing page
                    http: { url: "http://{host}:{port}/nope", expectStatus: 200 }
            """);
        using var _ = temp;

        await SlotSteps.RunPhaseAsync(config, "smoke", context, Path.Combine(temp.Directory, "l.log"));

        var wrong = await Assert.ThrowsAsync<DeployOpsException>(() => new StepRunner(config, new DeploymentLog(null, config.Redactor))
            .RunAsync("verify", config.Deployment.StepsFor("verify")[0], context, CancellationToken.None));
        Assert.Equal(ErrorIds.SmokeTestFailed, wrong.ErrorId);
        Assert.Contains("JSON version is '2.0.0', expected '1.0.0'", wrong.Message);
        var missing = await Assert.ThrowsAsync<DeployOpsException>(() => new StepRunner(config, new DeploymentLog(null, config.Redactor))
            .RunAsync("verify", config.Deployment.StepsFor("verify")[1], context, CancellationToken.None));
        Assert.Contains("answered 404, expected 200", missing.Message);
    }

    [Fact]
    public async Task Sql_steps_run_against_the_top_level_postgres_and_report_sqlstate()
    {
        var db = _postgres.CreateDatabase();
        var (config, temp) = SlotSteps.Load("""
                migrate:
                  - name: record version
                    sql: CREATE TABLE IF NOT EXISTS releases (version text); INSERT INTO releases VALUES ('{version}')
                verify:
                  - name: broken
                    sql: SELECT * FROM no_such_table
            """, $"""
            postgres:
              url: postgres://{PostgresFixture.User}@127.0.0.1:{_postgres.Port}/{db}
              password: ${"{"}env:PGPASS{"}"}
            """, name => name == "PGPASS" ? PostgresFixture.Password : null);
        using var _ = temp;

        await SlotSteps.RunPhaseAsync(config, "migrate", Green, Path.Combine(temp.Directory, "l.log"));
        Assert.Equal("2.0.0", _postgres.Scalar<string>(db, "SELECT version FROM releases"));

        var ex = await Assert.ThrowsAsync<DeployOpsException>(() => SlotSteps.RunPhaseAsync(config, "verify", Green, Path.Combine(temp.Directory, "l.log")));
        Assert.Contains("SQLSTATE 42P01", ex.Message);
        Assert.DoesNotContain(PostgresFixture.Password, ex.Message);
    }

    [Fact]
    public void Step_configuration_errors_name_the_line_and_key()
    {
        using var temp = new TempConfig("""
            application: shop
            environment: test
            deployment:
              steps:
                install:
                  - name: two kinds
                    command: make
                    sql: SELECT 1
                  - name: none
                  - command: make
                    shell: zsh
                  - sql: SELECT 1
                sart:
                  - command: x
            """);
        var errors = ConfigLoader.Validate(temp.Path);
        Assert.Contains(errors, e => e.Path == "deployment.steps.install[0]" && e.Message.Contains("exactly one of") && e.Line == 6);
        Assert.Contains(errors, e => e.Path == "deployment.steps.install[1]" && e.Message.Contains("needs one of"));
        Assert.Contains(errors, e => e.Path == "deployment.steps.install[2].shell");
        Assert.Contains(errors, e => e.Path == "deployment.steps.install[3].sql" && e.Message.Contains("postgres"));
        Assert.Contains(errors, e => e.Path == "deployment.steps.sart" && e.Message.Contains("did you mean 'start'"));
    }

    [Fact]
    public void Templates_render_known_names_only()
    {
        Assert.Equal("deploy 2.0.0 to green:5002 ${HOME} {other}", StepTemplate.Render("deploy {version} to {slot}:{port} ${HOME} {other}", Green));
    }
}
