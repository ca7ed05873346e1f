using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Notifications;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Configuration;

/// <summary>
/// Test-DeploymentConfig's facade driven the way the cmdlet drives it (a path and the current location, -Quiet,
/// -TestNotifications): what it writes to the sink and the answer it returns.
/// </summary>
public sealed class ConfigCommandsTests : IDisposable
{
    private const string Valid = "application: shop\nenvironment: test\n";
    private readonly NotificationReceiver _receiver = new();
    private readonly List<TempConfig> _configs = new();

    public void Dispose()
    {
        _receiver.Dispose();
        foreach (var c in _configs) c.Dispose();
    }

    private TempConfig Write(string yaml)
    {
        var config = new TempConfig(yaml);
        _configs.Add(config);
        return config;
    }

    private static Task<bool> TestAsync(RecordingSink sink, string? path, string currentDirectory, bool quiet = false, bool notifications = false,
        Func<string, string?>? environment = null) =>
        ConfigCommands.TestAsync(new TestConfigOptions
        {
            Path = path, CurrentDirectory = currentDirectory, Quiet = quiet, TestNotifications = notifications, Environment = environment,
        }, sink, CancellationToken.None);

    [Fact]
    public async Task A_valid_configuration_is_written_once_and_answers_true()
    {
        var file = Write(Valid);
        var sink = new RecordingSink();

        Assert.True(await TestAsync(sink, path: null, currentDirectory: file.Directory)); // deployops.yaml here

        var view = Assert.IsType<DeploymentConfig>(Assert.Single(sink.Records));
        Assert.Equal("shop", view.Application);
        Assert.Equal(file.Path, view.FilePath);
        Assert.Empty(sink.Errors);
        Assert.Empty(sink.Warnings);
    }

    [Fact]
    public async Task A_folder_or_a_relative_path_resolves_against_the_current_location()
    {
        var file = Write(Valid);
        var parent = Path.GetDirectoryName(file.Directory)!;
        var folder = Path.GetFileName(file.Directory);

        var byFolder = new RecordingSink();
        Assert.True(await TestAsync(byFolder, folder, parent));
        Assert.Equal(file.Path, Assert.IsType<DeploymentConfig>(Assert.Single(byFolder.Records)).FilePath);

        var byFile = new RecordingSink();
        Assert.True(await TestAsync(byFile, Path.Combine(folder, "deployops.yaml"), parent));
        Assert.Single(byFile.Records);
    }

    [Fact]
    public async Task A_missing_file_is_one_ConfigNotFound_error_naming_the_full_path()
    {
        var file = Write(Valid);
        var sink = new RecordingSink();

        Assert.False(await TestAsync(sink, "nope.yaml", file.Directory));

        var error = Assert.Single(sink.Errors);
        Assert.Equal(ErrorIds.ConfigNotFound, error.ErrorId);
        Assert.Equal(ErrorKind.ObjectNotFound, error.Kind);
        Assert.Equal(Path.Combine(file.Directory, "nope.yaml"), error.Target);
        Assert.IsType<DeployOpsException>(error.Exception);
        Assert.Empty(sink.Records);
    }

    [Fact]
    public async Task Every_problem_is_one_located_ConfigInvalid_error_and_nothing_is_written()
    {
        var file = Write("application: shop\nenvironment: test\ndeployment:\n  strategy: sideways\nhealth:\n  timeout: soon\n");
        var sink = new RecordingSink();

        Assert.False(await TestAsync(sink, file.Path, "/"));

        Assert.True(sink.Errors.Count >= 2, string.Join("\n", sink.Errors.Select(e => e.Message)));
        Assert.All(sink.Errors, e =>
        {
            Assert.Equal(ErrorIds.ConfigInvalid, e.ErrorId);
            Assert.Equal(ErrorKind.InvalidData, e.Kind);
            Assert.StartsWith(file.Path + ":", e.Message); // file:line:column
            Assert.Equal(e.Message, Assert.IsType<ConfigError>(e.Target).ToString());
        });
        Assert.Contains(sink.Errors, e => ((ConfigError)e.Target!).Path == "deployment.strategy" && ((ConfigError)e.Target!).Line == 4);
        Assert.Empty(sink.Records);
    }

    [Fact]
    public async Task Raw_placeholders_are_warnings_except_under_Quiet()
    {
        var file = Write(Valid + "deployment:\n  slots:\n    blue: { port: 5001 }\n    green: { port: 5002 }\n  steps:\n    install:\n      - name: raw\n        command: echo {raw:version}\n");

        var loud = new RecordingSink();
        Assert.True(await TestAsync(loud, file.Path, "/"));
        var warning = Assert.Single(loud.Warnings);
        Assert.StartsWith($"{file.Path}:10:", warning);
        Assert.Contains("{raw:version}", warning);

        var quiet = new RecordingSink();
        Assert.True(await TestAsync(quiet, file.Path, "/", quiet: true));
        Assert.Empty(quiet.Warnings);
    }

    [Fact]
    public async Task TestNotifications_sends_a_marked_message_to_every_target_and_answers_whether_all_arrived()
    {
        var file = Write(Valid + "notifications:\n  retries: 0\n  timeout: 5s\n  targets:\n" +
            "    - name: ops\n      type: webhook\n      url: ${env:HOOK_OPS}\n" +
            "    - name: gone\n      type: webhook\n      url: ${env:HOOK_GONE}\n");
        var closed = FreePort.Next();
        var env = new Dictionary<string, string> { ["HOOK_OPS"] = _receiver.Url("/ops"), ["HOOK_GONE"] = $"http://127.0.0.1:{closed}/gone" };
        var sink = new RecordingSink();

        Assert.False(await TestAsync(sink, file.Path, "/", notifications: true, environment: env.GetValueOrDefault));

        Assert.IsType<DeploymentConfig>(sink.Records.First()); // the configuration first, then one result per target
        var results = sink.RecordsOf<NotificationResult>().ToList();
        Assert.Equal(new[] { "ops", "gone" }, results.Select(r => r.Target));
        Assert.Equal(new[] { true, false }, results.Select(r => r.Delivered));
        var sent = Assert.Single(_receiver.Requests);
        Assert.Equal("/ops", sent.Path);
        var error = Assert.Single(sink.Errors);
        Assert.Equal(ErrorIds.NotificationNotDelivered, error.ErrorId);
        Assert.Equal("gone", error.Target);
    }

    [Fact]
    public async Task TestNotifications_without_targets_is_a_NotificationsNotConfigured_error_and_the_answer_false()
    {
        var file = Write(Valid);
        var sink = new RecordingSink();
        Assert.False(await TestAsync(sink, file.Path, "/", notifications: true)); // -Quiet answers $false, never throws
        Assert.Equal(ErrorIds.NotificationsNotConfigured, Assert.Single(sink.Errors).ErrorId);
    }
}
