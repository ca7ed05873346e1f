namespace DeployOps.Engine.Maintenance.Drain;

/// <summary>Shared by the HTTP sources: fetch each URL with a timeout and add up what each one reports.</summary>
internal abstract class HttpDrainSource : IDrainSource
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
    {
        Timeout = Timeout.InfiniteTimeSpan, // each request has its own timeout below
    };

    private readonly IReadOnlyList<string> _urls;
    private readonly TimeSpan _requestTimeout;

    protected HttpDrainSource(IReadOnlyList<string> urls, TimeSpan requestTimeout)
    {
        _urls = urls;
        _requestTimeout = requestTimeout;
    }

    public abstract string Description { get; }
    protected string UrlList => string.Join(", ", _urls);

    public async Task<long> ReadAsync(CancellationToken cancellationToken)
    {
        var counts = await Task.WhenAll(_urls.Select(u => ReadOneAsync(u, cancellationToken))).ConfigureAwait(false);
        return counts.Sum();
    }

    protected abstract long Extract(string body, string url);

    private async Task<long> ReadOneAsync(string url, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_requestTimeout);
        try
        {
            using var response = await Http.GetAsync(url, timeout.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw new DrainSourceException($"{url} answered {(int)response.StatusCode} {response.ReasonPhrase}");
            return Extract(body, url);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DrainSourceException($"{url} did not answer within {Configuration.ValueParsers.FormatDuration(_requestTimeout)}");
        }
        catch (HttpRequestException ex)
        {
            throw new DrainSourceException($"{url} unreachable: {ex.Message}", ex);
        }
    }
}
