using System.Globalization;

namespace DeployOps.Engine.Traffic;

/// <summary>
/// A series of requests through the router (<see cref="RouterProbe.SampleAsync"/>): how many were sent and failed,
/// why, and how many each backend identity answered.
/// </summary>
/// <param name="RouterFailed">Failed requests no backend answered: no answer, or the router's own error page.</param>
internal sealed record RouterSample(string Url, int Requests, int Failed, int RouterFailed, IReadOnlyDictionary<string, int> Failures,
    IReadOnlyDictionary<string, int> Answers)
{
    /// <summary>"0 of 20 request(s) through URL failed; answered by '1.0.0' x19, '2.0.0' x1".</summary>
    public string Summary =>
        $"{Failed.ToString(CultureInfo.InvariantCulture)} of {Requests.ToString(CultureInfo.InvariantCulture)} request(s) through {Url} failed" +
        (Failed == 0 ? "" : $" ({string.Join(", ", Failures.Select(f => $"{f.Key} x{f.Value}"))})") +
        "; answered by " + (Answers.Count == 0 ? "nobody" : string.Join(", ", Answers.Select(a => $"'{a.Key}' x{a.Value}")));
}
