using DeployOps.Engine.Backup;
using DeployOps.Engine.Checks;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Processes;
using DeployOps.Engine.Strategies.Steps;
using DeployOps.Engine.Tests.Backup;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Processes;

/// <summary>
/// A variable a <c>${env:NAME}</c> reference resolved is a secret: real children (a step, the command check, pg_dump)
/// print their environment, and it is not there unless a step's <c>env:</c> map exports it under a name of its own.
/// </summary>
[Collection(PostgresCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ChildSecretsTests
{
    private static readonly StepContext Green = new("2.0.0", "1.0.0", "green", null, "127.0.0.1", 5002);
    private readonly PostgresFixture _pg;

    public ChildSecretsTests(PostgresFixture pg) => _pg = pg;

    /// <summary>A variable set in this (the parent) process, so a child would inherit it unless scrubbed.</summary>
    private static (string Name, string Value) PlantSecret()
    {
        var name = "DEPLOYOPS_TEST_SECRET_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var value = "s3cr3t-" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(name, value);
        return (name, value);
    }

    [Fact]
    public async Task A_step_sees_a_resolved_secret_only_under_the_name_its_env_map_exports()
    {
        var (name, value) = PlantSecret();
        var unrelated = "DEPLOYOPS_TEST_PLAIN_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        Environment.SetEnvironmentVariable(unrelated, "plain-value");
        var (config, temp) = SlotSteps.Load($$"""
                install:
                  - name: print env
                    command: env > env-plain.txt
                  - name: print env with export
                    command: env > env-exported.txt
                    env: { DB_PASSWORD: '${env:{{name}}}' }
            """);
        using var _ = temp;

        await SlotSteps.RunPhaseAsync(config, "install", Green, Path.Combine(temp.Directory, "deploy.log"));

        var plain = File.ReadAllText(Path.Combine(temp.Directory, "env-plain.txt"));
        var exported = File.ReadAllText(Path.Combine(temp.Directory, "env-exported.txt"));
        Assert.DoesNotContain(value, plain);
        Assert.DoesNotContain(name + "=", plain);
        Assert.Contains(unrelated + "=plain-value", plain); // the rest of the environment is inherited as before
        Assert.Contains("DB_PASSWORD=" + value, exported);
        Assert.DoesNotContain(name + "=", exported);
    }

    [Fact]
    public async Task The_command_check_does_not_see_a_resolved_secret()
    {
        var (name, value) = PlantSecret();
        using var temp = new TempConfig($$"""
            application: shop
            environment: test
            postgres:
              host: 127.0.0.1
              port: 1
              database: shop
              username: shop
              password: ${env:{{name}}}
            checks:
              - name: env
                kind: command
                command: 'env; printenv {{name}}; echo "printenv=$?"'
            """);
        var config = ConfigLoader.Load(temp.Path);
        var check = Assert.Single(config.Checks);

        var outcome = await check.Check.RunAsync(CancellationToken.None);

        var tail = (string)outcome.Data["tail"]!;
        Assert.Contains("printenv=1", tail);
        Assert.DoesNotContain(value, tail);
    }

    [Fact]
    public async Task Pg_dump_sees_neither_the_password_nor_the_variable_behind_it()
    {
        // BackupTestContext resolves ${env:BACKUP_TEST_PG_PASSWORD} through a fake environment; plant the real one too.
        Environment.SetEnvironmentVariable(BackupTestContext.PasswordVariable, PostgresFixture.Password);
        var wrapperDir = ExternalProcess.TempDirectory("pgenv");
        var wrapper = Path.Combine(wrapperDir, "pg_dump_env");
        var envFile = Path.Combine(wrapperDir, "pg_dump.env");
        File.WriteAllText(wrapper, $"#!/bin/bash\n[ \"$1\" = --version ] || env > {envFile}\nexec {Path.Combine(_pg.BinDirectory, "pg_dump")} \"$@\"\n");
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using var ctx = new BackupTestContext(_pg, $"pgDump: {wrapper}\nverifyQuery: SELECT true");

        var backup = await ctx.Manager.BackupAsync(new BackupOptions(), new RecordingSink(), default);

        Assert.NotNull(backup);
        var env = File.ReadAllText(envFile);
        Assert.Contains("PGPASSFILE=", env); // it read the password from its private file
        Assert.DoesNotContain(PostgresFixture.Password, env);
        Assert.DoesNotContain(BackupTestContext.PasswordVariable + "=", env);
    }
}
