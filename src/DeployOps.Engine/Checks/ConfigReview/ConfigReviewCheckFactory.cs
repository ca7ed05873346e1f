using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Checks.ConfigReview;

/// <summary>Reads <c>kind: config-review</c> entries: the file to review and its rules.</summary>
internal sealed class ConfigReviewCheckFactory : ICheckFactory
{
    public string Kind => "config-review";
    public string DefaultCategory => "Configuration";

    public ICheck Create(ConfigMap options, CheckFactoryContext context)
    {
        var fileText = options.RequiredString("file");
        var file = fileText.Length == 0 ? "" : context.ResolvePath(fileText);
        var format = options.OptionalEnum<ReviewFormat>("format") ?? FormatFromName(file);
        if (format is null && file.Length > 0)
            options.Error("file", $"cannot tell the format of '{Path.GetFileName(file)}' from its name; set format: yaml, json or env");

        var rules = new List<ReviewRule>();
        var items = options.MapList("rules");
        if (items.Count == 0 && options.Node("rules") is null or YamlDotNet.RepresentationModel.YamlSequenceNode { Children.Count: 0 })
            options.Error("rules", "list at least one rule");
        foreach (var item in items)
        {
            var rule = ReadRule(item, format ?? ReviewFormat.Yaml);
            item.Finish();
            if (rule is not null) rules.Add(rule);
        }
        return new ConfigReviewCheck(file, format ?? ReviewFormat.Yaml, rules, context.Redactor);
    }

    private static ReviewRule? ReadRule(ConfigMap item, ReviewFormat format)
    {
        var key = item.RequiredString("key");
        var severity = item.Enum("severity", RuleSeverity.Failure);
        var description = item.String("description");
        var chosen = new List<(RuleKind Kind, string? Value)>();
        if (item.Has("equals")) chosen.Add((RuleKind.Equals, item.String("equals") ?? ""));
        if (item.Has("notEquals")) chosen.Add((RuleKind.NotEquals, item.String("notEquals") ?? ""));
        if (item.Has("exists")) chosen.Add((item.Bool("exists", true) ? RuleKind.Exists : RuleKind.Absent, null));
        if (chosen.Count != 1)
        {
            item.ErrorHere(chosen.Count == 0
                ? "a rule needs one of 'equals', 'notEquals' or 'exists'"
                : "a rule takes only one of 'equals', 'notEquals' or 'exists'; write separate rules");
            return null;
        }
        if (key.Length == 0) return null;
        if (format != ReviewFormat.Env && !Http.JsonPath.TryParse(key, out _, out var problem))
        {
            item.Error("key", $"invalid key path '{key}': {problem} (use a.b[0].c)");
            return null;
        }
        return new ReviewRule(key, chosen[0].Kind, chosen[0].Value, severity, description);
    }

    private static ReviewFormat? FormatFromName(string file)
    {
        var name = Path.GetFileName(file).ToLowerInvariant();
        if (name.EndsWith(".yaml", StringComparison.Ordinal) || name.EndsWith(".yml", StringComparison.Ordinal)) return ReviewFormat.Yaml;
        if (name.EndsWith(".json", StringComparison.Ordinal)) return ReviewFormat.Json;
        if (name == ".env" || name.StartsWith(".env.", StringComparison.Ordinal) || name.EndsWith(".env", StringComparison.Ordinal)) return ReviewFormat.Env;
        return null;
    }
}
