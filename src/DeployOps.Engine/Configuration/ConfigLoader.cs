using DeployOps.Engine.Audit;
using DeployOps.Engine.Backup;
using DeployOps.Engine.Checks;
using DeployOps.Engine.Health;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Maintenance;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace DeployOps.Engine.Configuration;

/// <summary>Reads deployops.yaml into a <see cref="ConfigModel"/>, collecting every problem in one pass.</summary>
internal static class ConfigLoader
{
    public const string DefaultFileName = "deployops.yaml";
    public static readonly TimeSpan DefaultCheckTimeout = TimeSpan.FromSeconds(5);
    /// <summary>Checks on targets each hold an ssh session; eight at once keep sshd's MaxStartups and the operator's CPU calm.</summary>
    public const int DefaultTargetCheckParallelism = 8;

    /// <summary>Finds the file: an explicit path (file or folder), else deployops.yaml in the current folder.</summary>
    public static string ResolvePath(string? path, string currentDirectory)
    {
        var candidate = string.IsNullOrEmpty(path) ? DefaultFileName : path;
        var full = Path.GetFullPath(Path.IsPathRooted(candidate) ? candidate : Path.Combine(currentDirectory, candidate));
        if (System.IO.Directory.Exists(full)) full = Path.Combine(full, DefaultFileName);
        if (!File.Exists(full))
            throw new DeployOpsException(ErrorIds.ConfigNotFound, ErrorKind.ObjectNotFound,
                $"Configuration file not found: {full}", full);
        return full;
    }

    /// <summary>Loads and validates; throws <see cref="ConfigValidationException"/> listing all problems.</summary>
    public static ConfigModel Load(string path, Func<string, string?>? environment = null, CancellationToken cancellationToken = default)
    {
        var (config, errors) = Read(path, environment, cancellationToken);
        if (errors.Count > 0 || config is null) throw new ConfigValidationException(path, errors);
        return config;
    }

    /// <summary>Validates without throwing: the problems, empty when the file is good.</summary>
    public static IReadOnlyList<ConfigError> Validate(string path, Func<string, string?>? environment = null,
        CancellationToken cancellationToken = default) => Read(path, environment, cancellationToken).Errors;

    /// <summary>Validates and keeps the configuration when it is good (Test-DeploymentConfig).</summary>
    public static ConfigInspection Inspect(string path, Func<string, string?>? environment = null, CancellationToken cancellationToken = default)
    {
        var (config, errors) = Read(path, environment, cancellationToken);
        return new ConfigInspection(Path.GetFullPath(path), errors.Count == 0 ? config : null, errors, RawPlaceholderWarnings(Path.GetFullPath(path)));
    }

    /// <summary>
    /// One warning per {raw:name} placeholder under deployment: (steps, docker): the value goes into a command, path,
    /// URL or SQL statement without quoting, which is an injection risk the author must have meant.
    /// </summary>
    public static IReadOnlyList<ConfigError> RawPlaceholderWarnings(string path)
    {
        var warnings = new List<ConfigError>();
        // Only a document that passed the guard is walked: its depth is bounded, so the recursion below is too.
        if (ConfigDocument.Read(path).Root is not { } root) return warnings;
        void Walk(YamlNode node, string keyPath)
        {
            switch (node)
            {
                case YamlScalarNode scalar:
                    foreach (var raw in Strategies.Steps.StepTemplate.RawPlaceholders(scalar.Value))
                        warnings.Add(new ConfigError(path, (int)scalar.Start.Line, (int)scalar.Start.Column, keyPath,
                            $"{raw} inserts the value without quoting or validation for its context (shell, path, URL, SQL); " +
                            "use the quoted placeholder unless the raw text is really intended"));
                    break;
                case YamlMappingNode mapping:
                    foreach (var (key, value) in mapping.Children)
                    {
                        var name = key is YamlScalarNode k ? k.Value ?? "" : key.ToString();
                        Walk(value, keyPath.Length == 0 ? name : $"{keyPath}.{name}");
                    }
                    break;
                case YamlSequenceNode sequence:
                    for (var i = 0; i < sequence.Children.Count; i++) Walk(sequence.Children[i], $"{keyPath}[{i}]");
                    break;
            }
        }
        foreach (var (key, value) in root.Children)
            if (key is YamlScalarNode { Value: "deployment" }) Walk(value, "deployment");
        return warnings;
    }

    /// <summary>Every file read here (the configuration, <c>${file:}</c> secrets) is bounded and stops between chunks
    /// when <paramref name="ct"/> is cancelled (Ctrl+C in a cmdlet).</summary>
    private static (ConfigModel? Config, IReadOnlyList<ConfigError> Errors) Read(string path, Func<string, string?>? environment, CancellationToken ct)
    {
        path = Path.GetFullPath(path);
        if (!File.Exists(path))
            throw new DeployOpsException(ErrorIds.ConfigNotFound, ErrorKind.ObjectNotFound, $"Configuration file not found: {path}", path);
        var directory = Path.GetDirectoryName(path)!;
        var redactor = new Redactor();
        var context = new ConfigReadContext(path, new SecretResolver(directory, redactor, environment, ct));

        var document = ConfigDocument.Read(path, ct);
        if (document.Root is not { } rootNode) return (null, document.Errors);

        var root = new ConfigMap(rootNode, "", context);
        var config = ReadRoot(root, path, directory, redactor);
        root.Finish();
        return (config, context.Errors);
    }

    private static ConfigModel ReadRoot(ConfigMap root, string path, string directory, Redactor redactor)
    {
        var application = root.RequiredString("application");
        var environment = root.RequiredString("environment");
        var postgres = PostgresSettings.Read(root.Map("postgres"));
        var redis = RedisSettings.Read(root.Map("redis"), directory);
        var state = StateSettings.Read(root.Map("state"), directory, postgres);
        var endpoints = root.StringMap("endpoints");

        var defaults = root.Map("defaults");
        var checkTimeout = defaults?.Duration("checkTimeout", DefaultCheckTimeout) ?? DefaultCheckTimeout;
        var targetCheckParallelism = defaults?.Int("targetCheckParallelism", DefaultTargetCheckParallelism, 1, 256) ?? DefaultTargetCheckParallelism;
        defaults?.Finish();

        // Targets first: a check's targets: selector names them.
        var targets = Targets.TargetSettings.Read(root.Map("targets"), directory);
        var checks = new List<CheckDefinition>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in root.MapList("checks"))
        {
            var definition = CheckDefinition.Read(entry,
                name => new CheckFactoryContext(name, directory, state.Directory, postgres, redis, endpoints, redactor), checkTimeout, targets);
            if (definition is null) continue;
            if (!names.Add(definition.Name)) entry.Error("name", $"duplicate check name '{definition.Name}'");
            else checks.Add(definition);
        }

        var maintenance = MaintenanceSettings.Read(root.Map("maintenance"), directory, postgres, redis, application, environment);
        var clusters = Kubernetes.KubernetesTargetSettings.Read(root.Map("targets"), directory);
        var deployment = DeploymentSettings.Read(root.Map("deployment"), directory, postgres is not null, targets, clusters, application);
        var health = HealthSettings.Read(root.Map("health"), postgres, redis, endpoints, directory);
        var backup = BackupSettings.Read(root.Map("backup"), postgres, state.Directory, directory);

        var model = new ConfigModel(path, application, environment, state, postgres, redis, endpoints, checks,
            maintenance, deployment, health, backup, redactor) {
            Rollback = Rollback.RollbackSettings.Read(root.Map("rollback"), directory, state.Directory),
            Notifications = Notifications.NotificationSettings.Read(root.Map("notifications"), redactor),
            ChangeControl = ChangeControlSettings.Read(root.Map("changeControl")),
            Freeze = FreezeSettings.Read(root.Map("freeze")),
            Targets = targets,
            TargetCheckParallelism = targetCheckParallelism,
        };
        foreach (var check in checks) (check.Check as IConfigBoundCheck)?.Bind(model);
        return model;
    }

}
