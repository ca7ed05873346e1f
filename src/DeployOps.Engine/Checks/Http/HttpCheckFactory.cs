using DeployOps.Engine.Configuration;
using YamlDotNet.RepresentationModel;

namespace DeployOps.Engine.Checks.Http;

/// <summary>Reads <c>kind: http</c> entries: where to send the request and what the answer must look like.</summary>
internal sealed class HttpCheckFactory : ICheckFactory
{
    public string Kind => "http";
    public string DefaultCategory => "Service";

    public ICheck Create(ConfigMap options, CheckFactoryContext context)
    {
        var url = ReadUrl(options, context);
        var method = options.String("method", "GET").Trim().ToUpperInvariant();
        var headers = options.StringMap("headers");
        var expectStatus = ReadStatuses(options);
        JsonPath? jsonPath = null;
        if (options.String("jsonPath") is { } pathText)
        {
            if (JsonPath.TryParse(pathText, out var parsed, out var problem)) jsonPath = parsed;
            else options.Error("jsonPath", $"invalid JSON path '{pathText}': {problem} (use a.b[0].c)");
        }
        var equalsValue = options.Has("equals") ? options.String("equals") : null;
        var nonEmpty = options.Bool("nonEmpty", false);
        if (jsonPath is null && (equalsValue is not null || nonEmpty))
            options.Error(equalsValue is not null ? "equals" : "nonEmpty", "needs 'jsonPath' to say which value to test");
        if (jsonPath is not null && equalsValue is null && !nonEmpty)
            options.Error("jsonPath", "needs 'equals: <value>' or 'nonEmpty: true'");
        var bodyContains = options.String("bodyContains");
        var maxLatency = options.OptionalDuration("maxLatency");
        var insecure = options.Bool("insecureSkipVerify", false);

        return new HttpCheck(new HttpCheckSettings(url, method, headers, expectStatus, jsonPath, equalsValue, nonEmpty,
            bodyContains, maxLatency, insecure));
    }

    private static Uri ReadUrl(ConfigMap options, CheckFactoryContext context)
    {
        var url = options.String("url");
        var endpoint = options.String("endpoint");
        var path = options.String("path");
        string? text = null;
        if (url is not null && endpoint is not null) options.Error("endpoint", "give either 'url' or 'endpoint', not both");
        else if (url is not null)
        {
            if (path is not null) options.Error("path", "'path' goes with 'endpoint'; put the full address in 'url'");
            text = url;
        }
        else if (endpoint is not null)
        {
            if (context.Endpoints.TryGetValue(endpoint, out var baseUrl)) text = Combine(baseUrl, path);
            else options.Error("endpoint", context.Endpoints.Count == 0
                ? $"unknown endpoint '{endpoint}': the top-level 'endpoints:' map is empty"
                : $"unknown endpoint '{endpoint}' (endpoints: {string.Join(", ", context.Endpoints.Keys.OrderBy(k => k))})");
        }
        else options.ErrorHere("needs 'url' or 'endpoint' (a name from the top-level 'endpoints:' map)");

        if (text is null) return new Uri("http://invalid.invalid/");
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
            return uri;
        options.Error(url is not null ? "url" : "endpoint", $"'{text}' is not an http:// or https:// address");
        return new Uri("http://invalid.invalid/");
    }

    private static string Combine(string baseUrl, string? path)
    {
        if (string.IsNullOrEmpty(path)) return baseUrl;
        return baseUrl.TrimEnd('/') + "/" + path.TrimStart('/');
    }

    /// <summary><c>expectStatus: 200</c> or <c>expectStatus: [200, 204]</c>.</summary>
    private static IReadOnlyList<int> ReadStatuses(ConfigMap options)
    {
        var node = options.Node("expectStatus");
        if (node is null) return new[] { 200 };
        var items = node switch
        {
            YamlScalarNode s => new[] { s },
            YamlSequenceNode seq => seq.Children.OfType<YamlScalarNode>().ToArray(),
            _ => Array.Empty<YamlScalarNode>(),
        };
        var result = new List<int>();
        foreach (var item in items)
        {
            if (int.TryParse(item.Value, out var code) && code is >= 100 and <= 599) result.Add(code);
            else options.Error("expectStatus", $"expected an HTTP status code (100-599), got '{item.Value}'");
        }
        if (items.Length == 0 || (node is YamlSequenceNode sq && sq.Children.Count != items.Length))
            options.Error("expectStatus", "expected a status code or a list of status codes");
        return result.Count > 0 ? result : new[] { 200 };
    }
}
