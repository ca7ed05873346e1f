namespace DeployOps.Engine.Configuration;

/// <summary>One configuration problem, located precisely enough to fix without searching.</summary>
public sealed class ConfigError
{
    /// <summary>Creates a located configuration problem.</summary>
    public ConfigError(string file, int line, int column, string path, string message)
    {
        File = file;
        Line = line;
        Column = column;
        Path = path;
        Message = message;
    }

    /// <summary>The configuration file the problem is in.</summary>
    public string File { get; }
    /// <summary>1-based line of the offending key or value (1 when the problem concerns the whole file).</summary>
    public int Line { get; }
    /// <summary>1-based column of the offending key or value.</summary>
    public int Column { get; }
    /// <summary>The key path, e.g. <c>checks[3].timeout</c>.</summary>
    public string Path { get; }
    /// <summary>What is wrong and, where it helps, what is expected.</summary>
    public string Message { get; }

    /// <summary>"file:line:column: path: message", the form editors and CI logs link.</summary>
    public override string ToString() =>
        Path.Length == 0 ? $"{File}:{Line}:{Column}: {Message}" : $"{File}:{Line}:{Column}: {Path}: {Message}";
}
