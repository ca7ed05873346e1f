namespace DeployOps.Engine.Checks.Http;

internal sealed record HttpCheckSettings(
    Uri Url,
    string Method,
    IReadOnlyDictionary<string, string> Headers,
    IReadOnlyList<int> ExpectStatus,
    JsonPath? JsonPath,
    string? EqualsValue,
    bool NonEmpty,
    string? BodyContains,
    TimeSpan? MaxLatency,
    bool InsecureSkipVerify);
