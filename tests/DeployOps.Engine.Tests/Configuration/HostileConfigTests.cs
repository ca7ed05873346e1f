using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Configuration;

/// <summary>
/// Issue 11 §3: no configuration can hang, crash or exhaust the host. Each case was a hang, an unlocated exception or a
/// silent acceptance before; each must now be a ConfigError with a line, a column and the key path.
/// </summary>
public sealed class HostileConfigTests
{
    private const string Head = "application: shop\nenvironment: production\n";

    /// <summary>A hang detector, not a timing assert: a FIFO read used to block for ever.</summary>
    private static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(60);

    private static IReadOnlyList<ConfigError> ValidateWithin(string path)
    {
        var task = Task.Run(() => ConfigLoader.Validate(path, _ => null));
        Assert.True(task.Wait(HangLimit), $"validating {path} did not return within {HangLimit}");
        return task.Result;
    }

    private static ConfigError SingleAt(IReadOnlyList<ConfigError> errors, string keyPath)
    {
        var error = Assert.Single(errors, e => e.Path == keyPath);
        Assert.True(error.Line >= 1 && error.Column >= 1, $"not located: {error}");
        return error;
    }

    private static ConfigError SecretError(string secretReference)
    {
        using var cfg = new TempConfig(Head + $"endpoints:\n  app: \"${{file:{secretReference}}}\"\n");
        var error = SingleAt(ValidateWithin(cfg.Path), "endpoints.app");
        Assert.Equal((4, 8), (error.Line, error.Column));
        return error;
    }

    [Fact]
    public void Fifo_secret_is_refused_by_its_kind_without_waiting_for_a_writer()
    {
        using var cfg = new TempConfig(Head + "endpoints:\n  app: ${file:pipe}\n");
        var fifo = Path.Combine(cfg.Directory, "pipe");
        using (var mkfifo = Process.Start("mkfifo", fifo)) mkfifo.WaitForExit();
        Assert.True(File.Exists(fifo));
        var error = SingleAt(ValidateWithin(cfg.Path), "endpoints.app");
        Assert.Contains("is a FIFO", error.Message);
        Assert.Contains(fifo, error.Message);
    }

    [Theory]
    [InlineData("/dev/zero")]
    [InlineData("/dev/urandom")]
    public void Device_secret_is_refused_as_a_device(string device) =>
        Assert.Contains($"'{device}' (referenced as ${{file:{device}}}) is a character device", SecretError(device).Message);

    [Fact]
    public void Directory_secret_is_reported_as_a_directory_not_as_missing()
    {
        var message = SecretError(Path.GetTempPath().TrimEnd('/')).Message;
        Assert.Contains("is a directory", message);
        Assert.DoesNotContain("does not exist", message);
    }

    [Fact]
    public void Secret_of_50_MB_is_refused_above_the_64_KiB_limit()
    {
        var file = Path.Combine(Path.GetTempPath(), "deployops-big-secret-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (var stream = File.Create(file)) stream.SetLength(50_000_000);
            Assert.Contains("is larger than 64 KiB", SecretError(file).Message);
        }
        finally { File.Delete(file); }
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("\n", "is empty")]
    [InlineData("pass\0word", "contains a NUL character")]
    public void Empty_or_NUL_secret_is_refused(string content, string expected)
    {
        var file = Path.Combine(Path.GetTempPath(), "deployops-secret-" + Guid.NewGuid().ToString("N"));
        try
        {
            File.WriteAllText(file, content);
            Assert.Contains(expected, SecretError(file).Message);
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void Empty_file_reference_is_refused()
    {
        using var cfg = new TempConfig(Head + "endpoints:\n  app: ${file:}\n");
        Assert.Contains("empty reference", SingleAt(ValidateWithin(cfg.Path), "endpoints.app").Message);
    }

    [Fact]
    public void Value_nested_100000_deep_is_a_located_error_not_a_stack_overflow()
    {
        var yaml = Head + "endpoints:\n  app: " + new string('[', 100_000) + new string(']', 100_000) + "\n";
        Assert.True(yaml.Length > 200_000);
        using var cfg = new TempConfig(yaml);
        var error = Assert.Single(ValidateWithin(cfg.Path));
        Assert.Contains("nested deeper than 64 levels", error.Message);
        Assert.StartsWith("endpoints.app[0][0]", error.Path);
        Assert.Equal(4, error.Line);
    }

    [Fact]
    public void Aliases_that_expand_exponentially_are_refused()
    {
        var yaml = new StringBuilder(Head + "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (var i = 1; i < 10; i++)
            yaml.Append($"a{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10))}]\n");
        using var cfg = new TempConfig(yaml.ToString());
        var error = Assert.Single(ValidateWithin(cfg.Path));
        Assert.Contains("aliases expand to more than", error.Message);
        Assert.StartsWith("a3[", error.Path);
    }

    /// <summary>Every duration of every example, set above TimeSpan.MaxValue at once: each is reported on its line.</summary>
    [Fact]
    public void Every_overflowing_duration_is_a_located_error_and_validation_goes_on()
    {
        var duration = new Regex(@"^(\s*-?\s*([A-Za-z]+): *)[0-9]+(?:\.[0-9]+)?(?:ms|s|m|h|d)\b", RegexOptions.Multiline);
        var examples = new[] { "deployops.yaml", "deployment/deployops.yaml", "deploy-containers.yaml" };
        var total = 0;
        foreach (var example in examples)
        {
            var text = File.ReadAllText(RepositoryPaths.Examples(example));
            var lines = duration.Matches(text).Select(m => (Line: text[..m.Index].Count(c => c == '\n') + 1, Key: m.Groups[2].Value)).ToList();
            Assert.NotEmpty(lines);
            using var cfg = new TempConfig(duration.Replace(text, "${1}99999999999999999999d"));
            var errors = ValidateWithin(cfg.Path);
            foreach (var (line, key) in lines)
            {
                var error = Assert.Single(errors, e => e.Line == line && e.Path.EndsWith(key, StringComparison.Ordinal));
                Assert.Contains("is longer than the longest duration", error.Message);
            }
            total += lines.Count;
        }
        Assert.True(total >= 11, $"only {total} duration keys in the examples");
    }

    [Fact]
    public void Issue_lockTtl_overflow_and_NUL_state_directory_are_located_and_both_reported()
    {
        using var cfg = new TempConfig(Head + "state:\n  directory: \"\\0\"\n  lockTtl: 99999999999999999999d\n  bogus: 1\n");
        var errors = ValidateWithin(cfg.Path);
        Assert.Contains("NUL character", SingleAt(errors, "state.directory").Message);
        Assert.Equal(5, SingleAt(errors, "state.lockTtl").Line);
        SingleAt(errors, "state.bogus");
    }

    [Theory]
    [InlineData("5S")]
    [InlineData("5 s")]
    [InlineData("٥s")]
    [InlineData("00:00:99")]
    public void Durations_outside_the_grammar_are_refused(string value)
    {
        using var cfg = new TempConfig(Head + $"state:\n  lockTtl: '{value}'\n");
        Assert.Contains("expected a duration", SingleAt(ValidateWithin(cfg.Path), "state.lockTtl").Message);
    }

    [Theory]
    [InlineData("'10'", "expected a size like")]
    [InlineData("10 GB", "expected a size like")]
    [InlineData("9999999999TB", "larger than the largest size")]
    [InlineData("99999999999999999999999999999999999B", "larger than the largest size")]
    public void Sizes_need_a_unit_and_fit_in_64_bits(string value, string expected)
    {
        using var cfg = new TempConfig(Head + $"checks:\n  - name: disk\n    kind: disk\n    path: /\n    minFree: {value}\n");
        var error = SingleAt(ValidateWithin(cfg.Path), "checks[0].minFree");
        Assert.Equal(7, error.Line);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Second_document_is_refused_at_its_marker()
    {
        using var cfg = new TempConfig(Head + "---\napplication: other\n");
        var error = Assert.Single(ValidateWithin(cfg.Path));
        Assert.Equal(3, error.Line);
        Assert.Contains("a second YAML document", error.Message);
    }

    [Fact]
    public void Invalid_utf8_is_refused_at_its_line_and_column()
    {
        using var cfg = new TempConfig("");
        File.WriteAllBytes(cfg.Path, Encoding.UTF8.GetBytes(Head + "endpoints:\n  app: caf").Concat(new byte[] { 0xC3, 0x28, (byte)'\n' }).ToArray());
        var error = Assert.Single(ValidateWithin(cfg.Path));
        Assert.Equal((4, 11), (error.Line, error.Column));
        Assert.Contains("not UTF-8", error.Message);
    }

    [Fact]
    public void NUL_byte_in_the_file_is_refused_at_its_line()
    {
        using var cfg = new TempConfig(Head + "endpoints:\n  app: a\0b\n");
        var error = Assert.Single(ValidateWithin(cfg.Path));
        Assert.Equal((4, 9), (error.Line, error.Column));
        Assert.Contains("NUL", error.Message);
    }

    [Fact]
    public void Duplicate_keys_are_refused_with_their_key_path()
    {
        using var cfg = new TempConfig(Head + "state:\n  directory: a\n  lockTtl: 1h\n  directory: b\nchecks:\n  - name: x\n    kind: disk\n    kind: memory\n");
        var errors = ValidateWithin(cfg.Path);
        Assert.Equal(2, errors.Count);
        var state = SingleAt(errors, "state.directory");
        Assert.Equal((6, 3), (state.Line, state.Column));
        Assert.Contains("first at line 4", state.Message);
        Assert.Equal(10, SingleAt(errors, "checks[0].kind").Line);
    }

    [Fact]
    public void Syntax_error_carries_the_key_path_it_occurs_under()
    {
        using var cfg = new TempConfig(Head + "state:\n  directory: [a, b\n  lockTtl: 1h\n");
        var error = Assert.Single(ValidateWithin(cfg.Path));
        Assert.Contains("YAML syntax error", error.Message);
        Assert.StartsWith("state.directory", error.Path);
        Assert.True(error.Line >= 4, error.ToString());
    }

    [Fact]
    public void Truncated_example_is_reported_on_a_real_line_not_line_0()
    {
        var text = File.ReadAllText(RepositoryPaths.Examples("deployops.yaml"));
        var cut = text.IndexOf("http://127.0.0.1:8080", StringComparison.Ordinal);
        using var cfg = new TempConfig(text[..cut] + "\"http://127.0");
        var lastLine = text[..cut].Count(c => c == '\n') + 1;
        var error = Assert.Single(ValidateWithin(cfg.Path));
        Assert.Equal(lastLine, error.Line);
        Assert.Equal("endpoints.app", error.Path);
    }

    [Fact]
    public void Configuration_file_that_is_a_fifo_or_too_large_is_refused()
    {
        using var cfg = new TempConfig("");
        File.Delete(cfg.Path);
        using (var mkfifo = Process.Start("mkfifo", cfg.Path)) mkfifo.WaitForExit();
        Assert.Contains("is a FIFO", Assert.Single(ValidateWithin(cfg.Path)).Message);
        File.Delete(cfg.Path);
        File.WriteAllText(cfg.Path, Head + "# " + new string('x', 1024 * 1024) + "\n");
        var error = Assert.Single(ValidateWithin(cfg.Path));
        Assert.Contains("is larger than 1 MiB", error.Message);
        Assert.Equal((1, 1), (error.Line, error.Column));
    }
}
