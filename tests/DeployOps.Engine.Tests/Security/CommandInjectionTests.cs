using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Strategies.Steps;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Security;

/// <summary>
/// Hostile placeholder values against real processes: bash/sh command steps, working directories, SQL steps against
/// PostgreSQL and Invoke-Deployment's version check. Nothing may run, every step sees the literal value.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class CommandInjectionTests : IDisposable
{
    private readonly PostgresFixture _postgres;
    private readonly string _tmp = Path.Combine(Path.GetTempPath(), "deployops-inject-" + Guid.NewGuid().ToString("N")[..10]);

    public CommandInjectionTests(PostgresFixture postgres)
    {
        _postgres = postgres;
        Directory.CreateDirectory(_tmp);
    }

    public void Dispose()
    {
        try { Directory.Delete(_tmp, true); } catch (IOException) { }
    }

    private string Pwned => Path.Combine(_tmp, "pwned");

    private IEnumerable<string> HostileValues() => SlotSteps.HostileValues(Pwned);

    [Theory]
    [InlineData("bash")]
    [InlineData("sh")]
    public async Task Command_steps_never_run_a_placeholder_value_unquoted_in_double_or_single_quotes(string shell)
    {
        // {version} unquoted, inside "…", inside '…', and {slot}/{previousVersion} too: each line must read back literally.
        var (config, temp) = SlotSteps.Load($"""
                install:
                  - name: record
                    shell: {shell}
                    command: |
                      echo version={"{version}"} >> out-1.log
                      echo "version={"{version}"}" >> out-2.log
                      echo 'version={"{version}"}' >> out-3.log
                      printf '%s\n' {"{slot}"} >> out-4.log
                      printf '%s\n' "prev={"{previousVersion}"}" >> out-5.log
            """);
        using var _ = temp;
        foreach (var value in HostileValues())
        {
            foreach (var f in Directory.GetFiles(temp.Directory, "out-*.log")) File.Delete(f);

            await SlotSteps.RunPhaseAsync(config, "install", new StepContext(value, value, value, null, "127.0.0.1", 5002));

            Assert.False(File.Exists(Pwned), $"{shell} ran code from the value {value}");
            Assert.Equal("version=" + value, Read(temp, "out-1.log"));
            Assert.Equal("version=" + value, Read(temp, "out-2.log"));
            Assert.Equal("version=" + value, Read(temp, "out-3.log"));
            Assert.Equal(value, Read(temp, "out-4.log"));
            Assert.Equal("prev=" + value, Read(temp, "out-5.log"));
        }
    }

    private static string Read(TempConfig temp, string file) => File.ReadAllText(Path.Combine(temp.Directory, file)).TrimEnd('\n');

    [Fact]
    public async Task A_working_directory_value_must_stay_one_path_segment()
    {
        Directory.CreateDirectory(Path.Combine(_tmp, "srv", "app", "1.0"));
        var (config, temp) = SlotSteps.Load($"""
                install:
                  - name: where
                    command: pwd > {Path.Combine(_tmp, "pwd.txt")}
                    workingDirectory: {Path.Combine(_tmp, "srv", "app")}/{"{version}"}
            """);
        using var _ = temp;

        var ex = await Assert.ThrowsAsync<DeployOpsException>(() => SlotSteps.RunPhaseAsync(config, "install", new StepContext("../../etc", null, "green", null, "127.0.0.1", 5002)));

        Assert.Equal("InvalidVersion", ex.ErrorId);
        Assert.Contains("one path segment", ex.Message);
        Assert.False(File.Exists(Path.Combine(_tmp, "pwd.txt")), "the step ran outside /srv/app");

        await SlotSteps.RunPhaseAsync(config, "install", new StepContext("1.0", null, "green", null, "127.0.0.1", 5002));
        Assert.Equal(Path.Combine(_tmp, "srv", "app", "1.0"), File.ReadAllText(Path.Combine(_tmp, "pwd.txt")).Trim());
    }

    [Fact]
    public async Task Sql_steps_store_a_hostile_value_literally_and_run_nothing_else()
    {
        var db = _postgres.CreateDatabase();
        _postgres.Execute(db, "CREATE TABLE releases (version text, note text)");
        var (config, temp) = SlotSteps.Load("""
                migrate:
                  - name: record
                    sql: INSERT INTO releases VALUES ('{version}', {slot})
                  - name: in a DO body
                    sql: DO $$ BEGIN INSERT INTO releases VALUES ('do:{version}', 'do'); END $$
            """, $"""
            postgres:
              url: postgres://{PostgresFixture.User}@127.0.0.1:{_postgres.Port}/{db}
              password: ${"{"}env:PGPASS{"}"}
            """, name => name == "PGPASS" ? PostgresFixture.Password : null);
        using var _ = temp;
        var hostile = new[]
        {
            "1.0'); CREATE TABLE pwned (x int); --",
            "1.0', 'x'); DROP TABLE releases; --",
            "it''s \"quoted\"",
        };
        foreach (var value in hostile)
        {
            _postgres.Execute(db, "DELETE FROM releases");

            await SlotSteps.RunPhaseAsync(config, "migrate", new StepContext(value, null, value, null, "127.0.0.1", 5002));

            Assert.Equal(value, _postgres.Scalar<string>(db, "SELECT version FROM releases WHERE note <> 'do'"));
            Assert.Equal(value, _postgres.Scalar<string>(db, "SELECT note FROM releases WHERE note <> 'do'"));
            Assert.Equal("do:" + value, _postgres.Scalar<string>(db, "SELECT version FROM releases WHERE note = 'do'"));
            Assert.False(_postgres.Scalar<bool>(db, "SELECT to_regclass('pwned') IS NOT NULL"));
        }
    }

    [Fact]
    public async Task Invoke_deployment_rejects_a_hostile_version_before_anything_runs_even_under_WhatIf()
    {
        var (config, temp) = SlotSteps.Load($"""
                install:
                  - command: echo version={"{version}"} >> {Path.Combine(_tmp, "log")}
            """);
        using var _ = temp;
        foreach (var version in HostileValues().Concat(new[] { "../../etc", "-rf", ".hidden", new string('1', 129), "1.0 2.0", "a/b" }))
        {
            foreach (var whatIf in new[] { true, false })
            {
                var sink = whatIf ? RecordingSink.WhatIf() : new RecordingSink();
                var ex = await Assert.ThrowsAsync<DeployOpsException>(() => DeploymentEngine.InvokeAsync(config,
                    new DeploymentOptions { Version = version, SkipPreChecks = true, NoBackup = true }, sink, CancellationToken.None));

                Assert.Equal("InvalidVersion", ex.ErrorId);
                Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
                Assert.Equal(version, ex.Target);
                Assert.Empty(sink.ShouldProcessCalls);
            }
        }
        Assert.False(File.Exists(Pwned));
        Assert.False(File.Exists(Path.Combine(_tmp, "log")));
    }

    [Fact]
    public async Task Invoke_rollback_rejects_a_hostile_ToVersion_before_anything_runs_even_under_WhatIf()
    {
        var (config, temp) = SlotSteps.Load("""
                install:
                  - command: "true"
            """);
        using var _ = temp;
        foreach (var version in HostileValues().Append("../../etc"))
        {
            var sink = RecordingSink.WhatIf();
            var ex = await Assert.ThrowsAsync<DeployOpsException>(() => Engine.Rollback.RollbackEngine.RollbackAsync(config,
                new Engine.Rollback.RollbackOptions { ToVersion = version }, sink, CancellationToken.None));

            Assert.Equal("InvalidVersion", ex.ErrorId);
            Assert.Equal(version, ex.Target);
            Assert.Empty(sink.Records);
        }
        Assert.False(File.Exists(Pwned));
    }

    [Theory]
    [InlineData("127.0.0.1 }")]
    [InlineData("127.0.0.1; } server { listen 80; } upstream x {")]
    [InlineData("\"127.0.0.1\\nserver 10.0.0.1:80\"")]
    [InlineData("\"127.0.0.1 10.0.0.1\"")]
    [InlineData("\"http://127.0.0.1/\"")]
    public void Slot_and_instance_hosts_are_rejected_with_their_location(string host)
    {
        using var temp = new TempConfig($"""
            application: shop
            environment: test
            deployment:
              slots:
                blue:
                  host: {host}
                  port: 5001
                green: {"{"} port: 5002 {"}"}
            """);
        var errors = ConfigLoader.Validate(temp.Path);

        var error = Assert.Single(errors);
        Assert.Equal("deployment.slots.blue.host", error.Path);
        Assert.Equal(6, error.Line);
        Assert.Equal(temp.Path, error.File);
        Assert.True(error.Column > 1);
        Assert.Contains("host", error.Message);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("65536")]
    [InlineData("-1")]
    public void Ports_must_be_1_to_65535(string port)
    {
        using var temp = new TempConfig($"""
            application: shop
            environment: test
            deployment:
              instances:
                - name: web1
                  host: 127.0.0.1
                  port: {port}
            """);
        var error = Assert.Single(ConfigLoader.Validate(temp.Path));
        Assert.Equal("deployment.instances[0].port", error.Path);
        Assert.Equal(7, error.Line);
    }
}
