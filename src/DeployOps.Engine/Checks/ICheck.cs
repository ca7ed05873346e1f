using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Checks;

/// <summary>One configured check, ready to run. Implementations honour the token: it fires at the check's timeout.</summary>
internal interface ICheck
{
    /// <summary>What is checked, safe to show (no secrets): a URL, host:port, path or variable names.</summary>
    string Target { get; }

    Task<CheckOutcome> RunAsync(CancellationToken cancellationToken);
}

/// <summary>A check that needs the whole loaded configuration (e.g. the backup store), handed to it once loading is done.</summary>
internal interface IConfigBoundCheck
{
    void Bind(ConfigModel config);
}

/// <summary>
/// Turns the kind-specific keys of a <c>checks:</c> entry into a runnable check. Each kind lives in its own class
/// and is found by reflection, so adding a kind touches no shared file.
/// </summary>
internal interface ICheckFactory
{
    /// <summary>The value of <c>kind:</c> in the configuration.</summary>
    string Kind { get; }

    /// <summary>Category used when the entry gives none (Database, Cache, Service, System, Security, Configuration, Source, Process).</summary>
    string DefaultCategory { get; }

    /// <summary>Reads the entry's own keys (report problems on <paramref name="options"/>; do not call Finish).</summary>
    ICheck Create(ConfigMap options, CheckFactoryContext context);
}

/// <summary>What a check factory may use from the rest of the configuration.</summary>
internal sealed class CheckFactoryContext
{
    public CheckFactoryContext(string checkName, string configDirectory, string stateDirectory, PostgresSettings? postgres,
        RedisSettings? redis, IReadOnlyDictionary<string, string> endpoints, Audit.Redactor redactor)
    {
        CheckName = checkName;
        ConfigDirectory = configDirectory;
        StateDirectory = stateDirectory;
        Postgres = postgres;
        Redis = redis;
        Endpoints = endpoints;
        Redactor = redactor;
    }

    public string CheckName { get; }
    public string ConfigDirectory { get; }
    public string StateDirectory { get; }
    public PostgresSettings? Postgres { get; }
    public RedisSettings? Redis { get; }
    public IReadOnlyDictionary<string, string> Endpoints { get; }
    public Audit.Redactor Redactor { get; }

    /// <summary>Resolves a path relative to the configuration file's folder.</summary>
    public string ResolvePath(string path) => Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(ConfigDirectory, path));
}
