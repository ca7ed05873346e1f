using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Management.Automation.Runspaces;
using DeployOps.Engine.Configuration;

namespace DeployOps.Completion;

/// <summary>
/// Tab completion from the configuration the command line names (-Path, -Config or -ConfigPath in the bound
/// parameters, else ./deployops.yaml) and from its state. Completion never throws and never prints: a missing or
/// invalid configuration, an unreachable store or a slow one (over <see cref="Budget"/>) completes nothing.
/// </summary>
public abstract class ConfigCompleter : IArgumentCompleter
{
    /// <summary>How long a completer may spend reading state (a PostgreSQL store may be unreachable).</summary>
    protected static readonly TimeSpan Budget = TimeSpan.FromSeconds(3);

    /// <summary>The completions for the parameter being typed: candidates from the configuration and its state that
    /// start with what was typed (case-insensitive); none when the configuration cannot be read in time.</summary>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        try
        {
            var config = FindConfig(fakeBoundParameters);
            if (config is null) return Array.Empty<CompletionResult>();
            var typed = Unquote(wordToComplete ?? "");
            var pattern = WildcardPattern.Get(typed + "*", WildcardOptions.IgnoreCase);
            return Candidates(config, commandName, parameterName)
                .Where(c => !string.IsNullOrEmpty(c.Text) && pattern.IsMatch(c.Text))
                .DistinctBy(c => c.Text, StringComparer.OrdinalIgnoreCase)
                .Select(c => new CompletionResult(Quote(c.Text), c.Text, CompletionResultType.ParameterValue,
                    string.IsNullOrEmpty(c.ToolTip) ? c.Text : c.ToolTip))
                .ToList();
        }
        catch
        {
            // Completion must never surface an error (broken yaml, unreadable store, cancelled read …).
            return Array.Empty<CompletionResult>();
        }
    }

    /// <summary>Candidates in the order they are offered (newest first where that means something).</summary>
    internal abstract IEnumerable<(string Text, string? ToolTip)> Candidates(ConfigModel config, string commandName, string parameterName);

    internal static ConfigModel? FindConfig(IDictionary? bound)
    {
        if (bound is not null)
        {
            if (Value(bound, "Config") is DeploymentConfig view) return ConfigModel.Of(view);
            if (Value(bound, "Path") is string path && path.Length > 0) return Load(path);
            if (Value(bound, "ConfigPath") is string configPath && configPath.Length > 0) return Load(configPath);
        }
        return Load(null);
    }

    private static object? Value(IDictionary bound, string name)
    {
        if (!bound.Contains(name)) return null;
        var value = bound[name];
        return value is PSObject pso ? pso.BaseObject : value;
    }

    private static ConfigModel? Load(string? path)
    {
        try
        {
            var full = ConfigLoader.ResolvePath(ExpandHome(path), CurrentDirectory());
            return ConfigLoader.Load(full);
        }
        catch
        {
            return null;
        }
    }

    private static string? ExpandHome(string? path) =>
        path is not null && (path == "~" || path.StartsWith("~/", StringComparison.Ordinal))
            ? System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.Length > 2 ? path[2..] : "")
            : path;

    private static string CurrentDirectory()
    {
        try
        {
            // Completion runs on the pipeline thread of the session: a nested command reads its current location.
            if (Runspace.DefaultRunspace is not null)
            {
                using var ps = PowerShell.Create(RunspaceMode.CurrentRunspace);
                var location = ps.AddCommand("Microsoft.PowerShell.Management\\Get-Location")
                    .AddParameter("PSProvider", "FileSystem").Invoke<PathInfo>().FirstOrDefault();
                if (location is not null && !string.IsNullOrEmpty(location.ProviderPath)) return location.ProviderPath;
            }
        }
        catch
        {
            // no usable runspace: fall back to the process directory
        }
        return Environment.CurrentDirectory;
    }

    /// <summary>Runs a state read within <see cref="Budget"/>; a failure or a timeout yields nothing.</summary>
    internal static IReadOnlyList<T> Within<T>(Func<CancellationToken, Task<IReadOnlyList<T>>> read)
    {
        using var cts = new CancellationTokenSource(Budget);
        try
        {
            var task = Task.Run(() => read(cts.Token));
            if (!task.Wait(Budget)) return Array.Empty<T>();
            return task.Result;
        }
        catch
        {
            return Array.Empty<T>();
        }
    }

    private static string Unquote(string word) =>
        word.Length > 0 && (word[0] == '\'' || word[0] == '"') ? word.Trim(word[0]) : word;

    /// <summary>Single-quotes a value PowerShell would not read as one bare word.</summary>
    internal static string Quote(string text) =>
        text.Length > 0 && text.All(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' or ':' or '/' or '+') && text[0] is not '-'
            ? text
            : "'" + text.Replace("'", "''") + "'";
}
