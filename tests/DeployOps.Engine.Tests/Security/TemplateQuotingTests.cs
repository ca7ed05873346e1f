using DeployOps.Engine.Audit;
using DeployOps.Engine.Checks.Git;
using DeployOps.Engine.Processes;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Security;
using DeployOps.Engine.Strategies.Docker;
using DeployOps.Engine.Strategies.Steps;
using DeployOps.Engine.Traffic;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Security;

/// <summary>
/// Each substitution context on its own, with real interpreters: pwsh, the /bin/sh a container healthcheck runs in,
/// URLs, container names, nginx upstream files, git arguments, version validation and {raw:} warnings.
/// </summary>
public sealed class TemplateQuotingTests : IDisposable
{
    private static readonly string Pwsh = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools", "pwsh");
    private readonly string _tmp = Path.Combine(Path.GetTempPath(), "deployops-quote-" + Guid.NewGuid().ToString("N")[..10]);

    public TemplateQuotingTests() => Directory.CreateDirectory(_tmp);

    public void Dispose()
    {
        try { Directory.Delete(_tmp, true); } catch (IOException) { }
    }

    private string Pwned => Path.Combine(_tmp, "pwned");

    private IEnumerable<string> HostileValues() => SlotSteps.HostileValues(Pwned).Concat(new[]
    {
        $"’; touch {Pwned}; ‘",
        "$env:HOME",
    });

    private static StepContext Context(string value) => new(value, value, value, null, "127.0.0.1", 5002);

    [Fact]
    public async Task Pwsh_commands_get_every_value_as_a_string_literal()
    {
        Assert.True(File.Exists(Pwsh), $"pwsh not found at {Pwsh}");
        var template = "Add-Content -LiteralPath out-1.log -Value {version}; Add-Content -LiteralPath out-2.log -Value \"v={slot}\"; " +
            "Add-Content -LiteralPath out-3.log -Value 'v={previousVersion}'; Add-Content -LiteralPath out-4.log -Value \"$(\"{version}\")\"";
        foreach (var value in HostileValues())
        {
            foreach (var f in Directory.GetFiles(_tmp, "out-*.log")) File.Delete(f);
            var command = StepTemplate.Render(template, Context(value), TemplateSyntax.PowerShell);

            var result = await ChildProcess.RunAsync(new ChildProcessSpec
            {
                FileName = Pwsh,
                Arguments = new[] { "-NoProfile", "-NonInteractive", "-Command", command },
                WorkingDirectory = _tmp,
                Timeout = TimeSpan.FromSeconds(180),
            }, null, CancellationToken.None);

            Assert.True(result.Succeeded, $"{value}: {command}\n{result.Output}");
            Assert.False(File.Exists(Pwned), $"pwsh ran code from {value}");
            // Add-Content writes a multi-line string as it is, so a newline in the value reads back as two lines.
            Assert.Equal(value, Read("out-1.log"));
            Assert.Equal("v=" + value, Read("out-2.log"));
            Assert.Equal("v=" + value, Read("out-3.log"));
            Assert.Equal(value, Read("out-4.log"));
        }
    }

    private string Read(string file) => File.ReadAllText(Path.Combine(_tmp, file)).ReplaceLineEndings("\n").TrimEnd('\n');

    [Fact]
    public async Task Container_shell_texts_read_values_from_variables_the_container_gets()
    {
        // The healthcheck (CMD-SHELL) and a scalar docker command run in the container's /bin/sh with its environment.
        var context = new StepContext("x", null, "blue", null, "127.0.0.1", 5001);
        foreach (var value in HostileValues())
        {
            var hostile = new StepContext(value, value, value, null, "127.0.0.1", 5001).WithApp("shop");
            var command = StepTemplate.Render("echo \"{app} {version}\" > out.log; echo '{slot}' >> out.log", hostile, TemplateSyntax.PosixShell);
            Assert.DoesNotContain(value, command);
            var result = await ChildProcess.RunAsync(new ChildProcessSpec
            {
                FileName = "/bin/sh",
                Arguments = new[] { "-c", command },
                WorkingDirectory = _tmp,
                Environment = hostile.TemplateVariables().ToDictionary(kv => kv.Key, kv => (string?)kv.Value),
            }, null, CancellationToken.None);

            Assert.True(result.Succeeded, result.Output);
            Assert.False(File.Exists(Pwned));
            Assert.Equal($"shop {value}\n{value}", Read("out.log"));
        }
        Assert.Equal("echo x", StepTemplate.Render("echo {raw:version}", context, TemplateSyntax.PosixShell));
    }

    [Fact]
    public void Urls_percent_encode_values_and_keep_host_and_port()
    {
        var url = StepTemplate.Render("http://{host}:{port}/deploy/{version}?slot={slot}", Context("1.0/../x?y=1#z &"), TemplateSyntax.Url);

        Assert.Equal("http://127.0.0.1:5002/deploy/1.0%2F..%2Fx%3Fy%3D1%23z%20%26?slot=1.0%2F..%2Fx%3Fy%3D1%23z%20%26", url);
        var bad = Assert.Throws<DeployOpsException>(() =>
            StepTemplate.Render("http://{host}/", new StepContext("1", null, null, null, "evil.com/@x", 1), TemplateSyntax.Url));
        Assert.Equal(ErrorIds.InvalidTemplateValue, bad.ErrorId);
    }

    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("a/b")]
    [InlineData("..\\x")]
    public void Paths_keep_every_value_to_one_segment(string value)
    {
        var ex = Assert.Throws<DeployOpsException>(() => StepTemplate.Render("/srv/app/{slot}", Context(value), TemplateSyntax.Path));
        Assert.Equal(ErrorIds.InvalidTemplateValue, ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        Assert.Equal("/srv/app/1.2.3+b", StepTemplate.Render("/srv/app/{version}", Context("1.2.3+b"), TemplateSyntax.Path));
    }

    [Fact]
    public void Sql_values_become_literals_and_cannot_end_a_quote()
    {
        var context = Context("a'b\"c");
        Assert.Equal("SELECT 'a''b\"c', 'x a''b\"c', \"a'b\"\"c\" -- {version}",
            StepTemplate.Render("SELECT {version}, 'x {version}', \"{version}\" -- {version}", context, TemplateSyntax.Sql));
        Assert.Throws<DeployOpsException>(() => StepTemplate.Render("SELECT E'{version}'", Context("x\\"), TemplateSyntax.Sql));
        Assert.Throws<DeployOpsException>(() => StepTemplate.Render("DO $$ BEGIN PERFORM '{version}'; END $$", Context("$$; DROP"), TemplateSyntax.Sql));
    }

    [Fact]
    public void Container_names_that_would_not_be_one_docker_name_are_refused()
    {
        using var temp = new TempConfig("""
            application: shop
            environment: test
            deployment:
              slots:
                blue: { port: 5001 }
                green: { port: 5002 }
              docker:
                image: shop:{version}
                containerName: "{app}-{version}"
            """);
        var config = ConfigLoader.Load(temp.Path);
        var settings = config.Deployment.Docker!;

        Assert.Equal("shop-1.0", DockerDeployments.ContainerName(settings, config, new StepContext("1.0", null, "blue", null, "127.0.0.1", 5001)));
        foreach (var value in new[] { "../x", "a b", "x;y" })
            Assert.Throws<DeployOpsException>(() => DockerDeployments.ContainerName(settings, config, new StepContext(value, null, "blue", null, "127.0.0.1", 5001)));
    }

    [Theory]
    [InlineData("1.0.0")]
    [InlineData("2024.06.01-rc.1+build.7")]
    [InlineData("v1_2")]
    public void Documented_versions_are_accepted(string version) => Assert.Null(Identifiers.VersionProblem(version));

    [Theory]
    [InlineData("../../etc")]
    [InlineData("-rf")]
    [InlineData(".hidden")]
    [InlineData("1.0;touch /tmp/x")]
    [InlineData("1.0\n")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("1 0")]
    [InlineData("")]
    public void Other_versions_are_InvalidVersion(string version)
    {
        var ex = Assert.Throws<DeployOpsException>(() => Identifiers.ValidateVersion(version, "-Version"));
        Assert.Equal("InvalidVersion", ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        Assert.Equal(version, ex.Target);
        Assert.Throws<DeployOpsException>(() => Identifiers.ValidateVersion(new string('1', 129)));
        Identifiers.ValidateVersion(new string('1', 128));
    }

    [Fact]
    public void Raw_placeholders_are_warned_about_with_file_line_and_key_path()
    {
        using var temp = new TempConfig("""
            application: shop
            environment: test
            deployment:
              slots:
                blue: { port: 5001 }
                green: { port: 5002 }
              steps:
                install:
                  - name: raw
                    command: echo {raw:version} {version}
                    env:
                      WHERE: "{raw:slot}"
            """);

        var inspection = ConfigLoader.Inspect(temp.Path);

        Assert.True(inspection.IsValid);
        Assert.Equal(2, inspection.Warnings.Count);
        var command = inspection.Warnings[0];
        Assert.Equal(temp.Path, command.File);
        Assert.Equal(10, command.Line);
        Assert.Equal("deployment.steps.install[0].command", command.Path);
        Assert.Contains("{raw:version}", command.Message);
        Assert.StartsWith($"{temp.Path}:10:", command.ToString());
        Assert.Equal("deployment.steps.install[0].env.WHERE", inspection.Warnings[1].Path);
        Assert.Equal(12, inspection.Warnings[1].Line);
    }

    [Theory]
    [InlineData("127.0.0.1; } server { listen 81; } upstream x {", "blue")]
    [InlineData("127.0.0.1\nserver 10.0.0.1:80", "blue")]
    [InlineData("127.0.0.1", "blue;\n}\nserver { listen 81; }")]
    public void The_nginx_upstream_file_refuses_values_that_leave_their_directive(string host, string name)
    {
        var file = Path.Combine(_tmp, "upstream.conf");
        var router = new NginxRouter(TrafficSettings.ForNginx(file, "shop", "http://127.0.0.1:1/version"), new Redactor());

        var ex = Assert.Throws<DeployOpsException>(() => router.WriteInitial(new[] { new TrafficBackend(name, host, 5001, 1) }));

        Assert.Equal(ErrorIds.TrafficConfigInvalid, ex.ErrorId);
        Assert.False(File.Exists(file));
        router.WriteInitial(new[] { new TrafficBackend("blue", "127.0.0.1", 5001, 1), new TrafficBackend("v6", "[::1]", 5002, 0) });
        Assert.Contains("server [::1]:5002 down;", File.ReadAllText(file));
    }

    [Fact]
    public async Task Git_runs_with_an_argument_list_so_paths_and_arguments_with_spaces_and_quotes_work()
    {
        using var git = new GitSandbox();
        var hostile = Path.Combine(git.Root, "it's a \"repo\" $(touch PWNED) `touch PWNED` ;touch PWNED");
        Directory.Move(git.Clone, hostile);
        var cli = new GitCli(hostile);

        var head = await cli.OutputAsync(CancellationToken.None, "rev-parse", "--verify", "--quiet", "--end-of-options", "HEAD^{commit}");
        var format = await cli.OutputAsync(CancellationToken.None, "log", "-1", "--format=subject: %s | it's \"quoted\" $(touch x) ;");
        var top = await cli.OutputAsync(CancellationToken.None, "rev-parse", "--show-toplevel");

        Assert.Matches("^[0-9a-f]{40}$", head);
        Assert.Equal("subject: initial | it's \"quoted\" $(touch x) ;", format);
        Assert.Equal(hostile, top);
        Assert.False(File.Exists(Path.Combine(hostile, "PWNED")));
        Assert.False(File.Exists(Path.Combine(git.Root, "PWNED")));
    }
}
