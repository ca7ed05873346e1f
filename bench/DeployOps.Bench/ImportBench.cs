using System.Diagnostics;

namespace DeployOps.Bench;

/// <summary>
/// What importing DeployOps costs a script: wall time of a bare `pwsh -NoProfile -c 1` versus
/// `pwsh -NoProfile -c "Import-Module <staged psd1>; Test-DeploymentConfig <yaml> | Out-Null"`, N rounds each,
/// interleaved in the same run (after one warm-up of each), reporting median, p90 and the difference.
/// Options: [rounds] (default 10). The staged module comes from $env:DEPLOYOPS_MODULE_PATH or module/DeployOps.
/// </summary>
internal static class ImportBench
{
    public static Task<int> RunAsync(string[] args)
    {
        var rounds = args.Length > 0 && int.TryParse(args[0], out var n) ? n : 10;
        var psd1 = Environment.GetEnvironmentVariable("DEPLOYOPS_MODULE_PATH") is { Length: > 0 } fromEnv
            ? Path.GetFullPath(fromEnv)
            : Path.Combine(RepositoryRoot(), "module", "DeployOps", "DeployOps.psd1");
        if (!File.Exists(psd1))
        {
            Console.Error.WriteLine($"staged module not found at {psd1}: run ./build.sh first");
            return Task.FromResult(1);
        }
        var pwsh = FindPwsh();
        if (pwsh is null)
        {
            Console.Error.WriteLine("pwsh not found: dotnet tool install -g PowerShell --version 7.6.9");
            return Task.FromResult(1);
        }

        var root = Directory.CreateTempSubdirectory("deployops-bench-import-").FullName;
        try
        {
            var yaml = Path.Combine(root, "deployops.yaml");
            File.WriteAllText(yaml, "application: probe\nenvironment: test\npostgres:\n  url: postgres://app@127.0.0.1:5432/shop\n");
            string Quote(string s) => "'" + s.Replace("'", "''") + "'";
            var bare = new[] { "-NoProfile", "-NonInteractive", "-c", "1" };
            var import = new[] { "-NoProfile", "-NonInteractive", "-c", $"Import-Module {Quote(psd1)}; Test-DeploymentConfig {Quote(yaml)} | Out-Null" };

            Time(pwsh, bare, root);
            Time(pwsh, import, root); // warm-up: disk cache, first JIT of nothing shared
            var bareTimes = new List<double>();
            var importTimes = new List<double>();
            for (var i = 0; i < rounds; i++)
            {
                bareTimes.Add(Time(pwsh, bare, root));
                importTimes.Add(Time(pwsh, import, root));
            }

            Console.WriteLine($"pwsh: {pwsh}");
            Console.WriteLine($"module: {psd1}");
            Console.WriteLine($"rounds: {rounds} each, interleaved, after one warm-up each");
            Report("pwsh -NoProfile -c 1", bareTimes);
            Report("Import-Module + Test-DeploymentConfig", importTimes);
            Console.WriteLine($"{"difference (import - bare)",-40} median {BenchStats.Median(importTimes) - BenchStats.Median(bareTimes),8:F0} ms   p90 {P90(importTimes) - P90(bareTimes),8:F0} ms");
            return Task.FromResult(0);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static void Report(string label, List<double> times) =>
        Console.WriteLine($"{label,-40} median {BenchStats.Median(times),8:F0} ms   p90 {P90(times),8:F0} ms   (min {times.Min():F0}, max {times.Max():F0})");

    /// <summary>Nearest-rank 90th percentile.</summary>
    private static double P90(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(0.9 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    private static double Time(string pwsh, string[] arguments, string workingDirectory)
    {
        var info = new ProcessStartInfo(pwsh) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        info.Environment["POWERSHELL_TELEMETRY_OPTOUT"] = "1";
        info.Environment["POWERSHELL_UPDATECHECK"] = "Off";
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"pwsh {string.Join(' ', arguments)} took over 120 s");
        }
        process.WaitForExit();
        var elapsed = clock.Elapsed.TotalMilliseconds;
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"pwsh {string.Join(' ', arguments)} exited {process.ExitCode}: {stderr.Result}{stdout.Result}");
        return elapsed;
    }

    private static string? FindPwsh() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools"))
            .Select(d => Path.Combine(d, OperatingSystem.IsWindows() ? "pwsh.exe" : "pwsh"))
            .FirstOrDefault(File.Exists);

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "DeployOps.sln"))) return dir.FullName;
        return Directory.GetCurrentDirectory();
    }
}
