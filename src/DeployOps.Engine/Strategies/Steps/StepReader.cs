using DeployOps.Engine.Configuration;
using YamlDotNet.RepresentationModel;

namespace DeployOps.Engine.Strategies.Steps;

/// <summary>Reads the step lists of <c>deployment.steps</c>: each item has exactly one of command, http or sql.</summary>
internal static class StepReader
{
    public static IReadOnlyList<StepDefinition> ReadList(ConfigMap parent, string key, bool postgresConfigured)
    {
        var result = new List<StepDefinition>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var items = parent.MapList(key);
        for (var i = 0; i < items.Count; i++)
        {
            var step = Read(items[i], $"{key}[{i}]", postgresConfigured);
            if (step is null) continue;
            if (!names.Add(step.Name)) items[i].Error("name", $"duplicate step name '{step.Name}' in {parent.Join(key)}");
            else result.Add(step);
        }
        return result;
    }

    private static StepDefinition? Read(ConfigMap map, string fallbackName, bool postgresConfigured)
    {
        var kinds = new[] { "command", "http", "sql" }.Where(map.Has).ToList();
        var name = map.String("name");
        var timeout = map.Duration("timeout", TimeSpan.FromMinutes(5));
        var retries = map.Int("retries", 0, 0, 1000);
        var retryDelay = map.Duration("retryDelay", TimeSpan.FromSeconds(1));
        StepDefinition? step = null;
        if (kinds.Count != 1)
        {
            map.ErrorHere(kinds.Count == 0 ? "a step needs one of command, http or sql" : $"a step has exactly one of command, http or sql (got {string.Join(", ", kinds)})");
        }
        else if (kinds[0] == "command")
        {
            var command = map.String("command") ?? "";
            var shell = map.String("shell", "bash");
            if (shell is not ("bash" or "sh" or "pwsh")) map.Error("shell", "expected bash, sh or pwsh");
            step = new StepDefinition(name ?? Shorten(command, fallbackName), StepKind.Command)
            {
                Command = command,
                Shell = shell,
                WorkingDirectory = map.String("workingDirectory"),
                Environment = map.StringMap("env"),
                Timeout = timeout,
                Retries = retries,
                RetryDelay = retryDelay,
            };
        }
        else if (kinds[0] == "http")
        {
            step = ReadHttp(map, name, fallbackName, timeout, retries, retryDelay);
        }
        else
        {
            if (!postgresConfigured) map.Error("sql", "sql steps run against the top-level postgres section, which is missing");
            var sql = map.String("sql") ?? "";
            step = new StepDefinition(name ?? Shorten(sql, fallbackName), StepKind.Sql) { Sql = sql, Timeout = timeout, Retries = retries, RetryDelay = retryDelay };
        }
        map.Finish();
        return step;
    }

    private static StepDefinition? ReadHttp(ConfigMap map, string? name, string fallbackName, TimeSpan timeout, int retries, TimeSpan retryDelay)
    {
        // Short form: "http: http://{host}:{port}/health" (GET, any 2xx).
        if (map.Node("http") is YamlScalarNode)
        {
            var url = map.String("http") ?? "";
            return new StepDefinition(name ?? Shorten("GET " + url, fallbackName), StepKind.Http)
            {
                Url = url, Timeout = timeout, Retries = retries, RetryDelay = retryDelay,
            };
        }
        var http = map.Map("http");
        if (http is null) return null;
        var full = http.RequiredString("url");
        var method = http.String("method", "GET").ToUpperInvariant();
        var status = http.Has("expectStatus") ? http.Int("expectStatus", 200, 100, 599) : (int?)null;
        var step = new StepDefinition(name ?? Shorten($"{method} {full}", fallbackName), StepKind.Http)
        {
            Url = full,
            Method = method,
            Body = http.String("body"),
            Headers = http.StringMap("headers"),
            ExpectStatus = status,
            ExpectJson = http.StringMap("expectJson"),
            ExpectBody = http.String("expectBody"),
            Timeout = timeout,
            Retries = retries,
            RetryDelay = retryDelay,
        };
        http.Finish();
        return step;
    }

    private static string Shorten(string text, string fallback)
    {
        var line = text.Split('\n')[0].Trim();
        if (line.Length == 0) return fallback;
        return line.Length <= 60 ? line : line[..57] + "...";
    }
}
