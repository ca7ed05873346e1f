using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Configuration;

/// <summary>Thrown with every problem found in one pass, so an operator fixes them all at once.</summary>
public sealed class ConfigValidationException : DeployOpsException
{
    public ConfigValidationException(string file, IReadOnlyList<ConfigError> errors)
        : base(ErrorIds.ConfigInvalid, ErrorKind.InvalidData, Describe(file, errors), file)
    {
        Errors = errors;
    }

    public IReadOnlyList<ConfigError> Errors { get; }

    private static string Describe(string file, IReadOnlyList<ConfigError> errors) =>
        $"{errors.Count} problem(s) in {file}:" + Environment.NewLine +
        string.Join(Environment.NewLine, errors.Select(e => "  " + e));
}
