using System.Text.Json;

namespace DeployOps.Engine.Maintenance.Drain;

/// <summary>A numeric field of a JSON health document; dots walk into objects (<c>pool.active</c>).</summary>
internal sealed class HealthJsonFieldSource : HttpDrainSource
{
    private readonly string _field;

    public HealthJsonFieldSource(IReadOnlyList<string> urls, string field, TimeSpan requestTimeout) : base(urls, requestTimeout) =>
        _field = field;

    public override string Description => $"{_field} at {UrlList}";

    protected override long Extract(string body, string url)
    {
        JsonDocument document;
        try { document = JsonDocument.Parse(body); }
        catch (JsonException ex) { throw new DrainSourceException($"{url} did not return JSON: {ex.Message}"); }
        using (document)
        {
            var element = document.RootElement;
            foreach (var part in _field.Split('.'))
            {
                if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(part, out element))
                    throw new DrainSourceException($"{url} has no field '{_field}'");
            }
            if (element.ValueKind == JsonValueKind.Number && element.TryGetDouble(out var number)) return (long)Math.Ceiling(number);
            if (element.ValueKind == JsonValueKind.String && long.TryParse(element.GetString(), out var parsed)) return parsed;
            throw new DrainSourceException($"{url} field '{_field}' is not a number ({element.GetRawText()})");
        }
    }
}
