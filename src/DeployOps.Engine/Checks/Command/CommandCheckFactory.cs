using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Checks.Command;

/// <summary>Reads <c>kind: command</c> entries: a shell command line (tests, linters, audits) and its expected exit code.</summary>
internal sealed class CommandCheckFactory : ICheckFactory
{
    public const int DefaultTailLines = 20;
    private static readonly string[] Shells = { "bash", "sh", "pwsh" };

    public string Kind => "command";
    public string DefaultCategory => "Process";

    public ICheck Create(ConfigMap options, CheckFactoryContext context)
    {
        var command = options.RequiredString("command");
        var shell = options.String("shell", "bash").Trim().ToLowerInvariant();
        if (!Shells.Contains(shell)) options.Error("shell", $"expected one of {string.Join(", ", Shells)}, got '{shell}'");
        var configuredWorkingDirectory = options.String("workingDirectory");
        var workingDirectory = context.ResolvePath(configuredWorkingDirectory ?? ".");
        var environment = options.StringMap("env");
        var expectExitCode = options.Int("expectExitCode", 0, 0, 255);
        var tailLines = options.Int("tailLines", DefaultTailLines, 1, 1000);
        return new CommandCheck(command, shell, workingDirectory, environment, expectExitCode, tailLines, configuredWorkingDirectory);
    }
}
