using System.Text.RegularExpressions;
using DeployOps.Engine.Configuration;
using YamlDotNet.RepresentationModel;

namespace DeployOps.Engine.Checks.Secrets;

/// <summary>
/// Reads <c>kind: secrets</c> entries. <c>variables:</c> items are names, or <c>{ name, minLength }</c> for a
/// per-variable minimum; a check-level <c>minLength</c> applies to the rest.
/// </summary>
internal sealed partial class SecretsCheckFactory : ICheckFactory
{
    public string Kind => "secrets";
    public string DefaultCategory => "Security";

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex VariableName();

    public ICheck Create(ConfigMap options, CheckFactoryContext context)
    {
        var minLength = options.Int("minLength", 0, 0, 4096);
        var extraPlaceholders = options.StringList("placeholders");
        var variables = new List<RequiredVariable>();
        var node = options.Node("variables");
        if (node is YamlSequenceNode list)
        {
            for (var i = 0; i < list.Children.Count; i++)
            {
                var path = $"{options.Join("variables")}[{i}]";
                switch (list.Children[i])
                {
                    case YamlScalarNode scalar:
                        Add(scalar.Value ?? "", minLength, path, scalar.Start);
                        break;
                    case YamlMappingNode mapping:
                        var item = new ConfigMap(mapping, path, options.Context);
                        var name = item.RequiredString("name");
                        var itemMin = item.Int("minLength", minLength, 0, 4096);
                        item.Finish();
                        if (name.Length > 0) Add(name, itemMin, item.Join("name"), mapping.Start);
                        break;
                    default:
                        options.Context.Error(list.Children[i].Start, path, "expected a variable name or { name, minLength }");
                        break;
                }
            }
        }
        else if (node is not null) options.Error("variables", "expected a list of environment variable names");
        if (variables.Count == 0 && node is not YamlSequenceNode { Children.Count: > 0 })
            options.Error("variables", "list at least one environment variable to require");

        void Add(string name, int min, string path, YamlDotNet.Core.Mark at)
        {
            if (!VariableName().IsMatch(name)) options.Context.Error(at, path, $"'{name}' is not an environment variable name");
            else if (variables.Any(v => v.Name == name)) options.Context.Error(at, path, $"variable '{name}' is listed twice");
            else variables.Add(new RequiredVariable(name, min));
        }

        // Register the values as soon as the configuration is loaded, so output from checks that finish before
        // this one (a command printing its environment) is already masked.
        foreach (var variable in variables) context.Redactor.Add(Environment.GetEnvironmentVariable(variable.Name));
        return new SecretsCheck(variables, new PlaceholderDetector(extraPlaceholders), context.Redactor, Environment.GetEnvironmentVariable);
    }
}

internal sealed record RequiredVariable(string Name, int MinLength);
