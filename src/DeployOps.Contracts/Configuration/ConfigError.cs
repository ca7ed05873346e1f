namespace DeployOps.Engine.Configuration;

/// <summary>One configuration problem, located precisely enough to fix without searching.</summary>
public sealed class ConfigError
{
    public ConfigError(string file, int line, int column, string path, string message)
    {
        File = file;
        Line = line;
        Column = column;
        Path = path;
        Message = message;
    }

    public string File { get; }
    public int Line { get; }
    public int Column { get; }
    /// <summary>The key path, e.g. <c>checks[3].timeout</c>.</summary>
    public string Path { get; }
    public string Message { get; }

    public override string ToString() =>
        Path.Length == 0 ? $"{File}:{Line}:{Column}: {Message}" : $"{File}:{Line}:{Column}: {Path}: {Message}";
}
