using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace DeployOps.Hosting.Tests;

/// <summary>Where the staged module, pwsh and the hosted runner are, and how to run them (bounded, killed on timeout).</summary>
internal static class Staged
{
    public static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(120);

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "DeployOps.sln"))) return dir.FullName;
        throw new InvalidOperationException($"DeployOps.sln not found above {AppContext.BaseDirectory}");
    }

    /// <summary>$env:DEPLOYOPS_MODULE_PATH, else module/DeployOps/DeployOps.psd1 of this repository.</summary>
    public static string ModulePsd1()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("DEPLOYOPS_MODULE_PATH");
        var path = string.IsNullOrWhiteSpace(fromEnvironment)
            ? Path.Combine(RepositoryRoot(), "module", "DeployOps", "DeployOps.psd1")
            : Path.GetFullPath(fromEnvironment);
        if (!File.Exists(path) || !File.Exists(Path.Combine(Path.GetDirectoryName(path)!, "DeployOps.dll")))
            Assert.Fail($"The staged module is missing ({path}): run ./build.sh first.");
        return path;
    }

    public static string ModuleDirectory() => Path.GetDirectoryName(ModulePsd1())!;

    public static string Pwsh()
    {
        var name = OperatingSystem.IsWindows() ? "pwsh.exe" : "pwsh";
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools"))
            .Select(dir => Path.Combine(dir, name));
        var found = candidates.FirstOrDefault(File.Exists);
        if (found is null)
            Assert.Fail("pwsh (PowerShell 7.4+) is not on PATH nor in ~/.dotnet/tools: dotnet tool install -g PowerShell --version 7.6.9");
        return found!;
    }

    public static string RunnerDll()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "DeployOps.HostedRunner.dll");
        Assert.True(File.Exists(path), $"{path} missing: the hosting tests build it through their ProjectReference");
        return path;
    }

    public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
    }

    public static ProcessResult Run(string fileName, IEnumerable<string> arguments, string? stdin = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        // A child must see the staged module and nothing of this test host's probing.
        info.Environment.Remove("DOTNET_STARTUP_HOOKS");
        info.Environment["POWERSHELL_TELEMETRY_OPTOUT"] = "1";
        info.Environment["POWERSHELL_UPDATECHECK"] = "Off";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
        }
        if (!process.WaitForExit(ProcessTimeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"{fileName} {string.Join(' ', arguments)} did not finish within {ProcessTimeout.TotalSeconds:0} s (killed)\n" +
                        $"--- stdout ---\n{stdout.Result}\n--- stderr ---\n{stderr.Result}");
        }
        process.WaitForExit();
        return new ProcessResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs the hosted runner and parses the JSON between its markers.</summary>
    public static JsonElement Runner(params string[] arguments)
    {
        var result = Run("dotnet", new[] { "exec", RunnerDll() }.Concat(arguments));
        return Framed(result);
    }

    public static JsonElement Framed(ProcessResult result)
    {
        const string begin = "<<<DEPLOYOPS-JSON", end = "DEPLOYOPS-JSON>>>";
        var start = result.Stdout.IndexOf(begin, StringComparison.Ordinal);
        var stop = result.Stdout.LastIndexOf(end, StringComparison.Ordinal);
        Assert.True(result.ExitCode == 0 && start >= 0 && stop > start, $"no JSON result:\n{result}");
        return JsonDocument.Parse(result.Stdout[(start + begin.Length)..stop]).RootElement.Clone();
    }

    /// <summary>Runs a script in a fresh `pwsh -NoProfile -NonInteractive`; the script prints JSON between the markers.</summary>
    public static JsonElement PwshJson(string script) =>
        Framed(Run(Pwsh(), ["-NoProfile", "-NonInteractive", "-Command", script]));

    /// <summary>A PowerShell single-quoted literal.</summary>
    public static string Quote(string value) => "'" + value.Replace("'", "''") + "'";
}

/// <summary>A temp folder holding the given files, deleted afterwards.</summary>
internal sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("deployops-hosting-").FullName;

    public string Write(string relative, string content)
    {
        var full = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        return full;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
