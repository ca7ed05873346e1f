using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DeployOps.FakeKubernetes;

/// <summary>
/// An https API server on 127.0.0.1 with its own CA (write it with <see cref="CaPem"/>) that checks a bearer token
/// and answers: GET/PUT services/{name}, GET/PUT deployments/{name}, GET deployments?watch=true (newline-delimited
/// WatchEvents), GET replicasets?labelSelector=… — everything else is a 404 Status. /_fake/… lets tests look inside.
/// </summary>
public sealed class FakeKubernetesServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly X509Certificate2 _ca;
    private readonly string _token;

    private FakeKubernetesServer(WebApplication app, X509Certificate2 ca, string token, FakeCluster cluster)
    {
        _app = app;
        _ca = ca;
        _token = token;
        Cluster = cluster;
    }

    public FakeCluster Cluster { get; }
    public string Url { get; private set; } = "";
    public string CaPem => _ca.ExportCertificatePem() + "\n";

    public static async Task<FakeKubernetesServer> StartAsync(string token, int port = 0)
    {
        var (ca, leaf) = Certificates();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.UseHttps(leaf)));
        var app = builder.Build();
        var server = new FakeKubernetesServer(app, ca, token, new FakeCluster());
        app.Run(server.HandleAsync);
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Url = $"https://127.0.0.1:{new Uri(address).Port}";
        return server;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "";
        lock (Cluster.Requests) Cluster.Requests.Add($"{request.Method} {path}{request.QueryString}");
        if (path.StartsWith("/_fake/", StringComparison.Ordinal))
        {
            await InspectAsync(context, path).ConfigureAwait(false);
            return;
        }
        if (request.Headers.Authorization.ToString() != $"Bearer {_token}")
        {
            await WriteAsync(context, 401, FakeObjects.Status(401, "Unauthorized", "Unauthorized")).ConfigureAwait(false);
            return;
        }
        var parts = path.Trim('/').Split('/');
        // api/v1/namespaces/{ns}/services/{name} or apis/apps/v1/namespaces/{ns}/{kind}[/{name}]
        var offset = parts.Length > 0 && parts[0] == "api" ? 2 : 3;
        var valid = parts.Length >= offset + 3 && parts[offset] == "namespaces" &&
            (offset == 2 && parts[1] == "v1" && parts[offset + 2] == "services" ||
             offset == 3 && parts[1] == "apps" && parts[2] == "v1" && parts[offset + 2] is "deployments" or "replicasets");
        if (!valid)
        {
            await WriteAsync(context, 404, FakeObjects.Status(404, "NotFound", "the server could not find the requested resource")).ConfigureAwait(false);
            return;
        }
        var ns = parts[offset + 1];
        var kind = parts[offset + 2];
        var name = parts.Length > offset + 3 ? parts[offset + 3] : null;
        if (name is null && request.Method == "GET")
        {
            if (request.Query["watch"] == "true" || request.Query["watch"] == "1") await WatchAsync(context, kind, ns).ConfigureAwait(false);
            else await ListAsync(context, kind, ns).ConfigureAwait(false);
            return;
        }
        if (name is null || kind == "replicasets" && request.Method != "GET")
        {
            await WriteAsync(context, 405, FakeObjects.Status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")).ConfigureAwait(false);
            return;
        }
        if (request.Method == "GET")
        {
            var item = Cluster.Get(kind, ns, name);
            await WriteAsync(context, item is null ? 404 : 200, item ?? FakeCluster.NotFoundStatus(kind, name)).ConfigureAwait(false);
            return;
        }
        if (request.Method == "PUT")
        {
            var body = (await JsonNode.ParseAsync(request.Body).ConfigureAwait(false))?.AsObject();
            var (code, answer) = body is null ? (400, FakeObjects.Status(400, "BadRequest", "no body")) : Cluster.Replace(kind, ns, name, body);
            await WriteAsync(context, code, answer).ConfigureAwait(false);
            return;
        }
        await WriteAsync(context, 405, FakeObjects.Status(405, "MethodNotAllowed", $"{request.Method} is not served here")).ConfigureAwait(false);
    }

    private async Task ListAsync(HttpContext context, string kind, string ns)
    {
        var selector = ParseSelector(context.Request.Query["labelSelector"].ToString());
        var items = Cluster.List(kind, ns, o => selector.All(s => (string?)o["metadata"]?["labels"]?[s.Key] == s.Value));
        var (listKind, apiVersion) = kind switch
        {
            "services" => ("ServiceList", "v1"),
            "deployments" => ("DeploymentList", "apps/v1"),
            _ => ("ReplicaSetList", "apps/v1"),
        };
        await WriteAsync(context, 200, FakeObjects.List(listKind, apiVersion, Cluster.CurrentResourceVersion, items)).ConfigureAwait(false);
    }

    /// <summary>A watch of one object (fieldSelector=metadata.name=…): WatchEvent lines until timeoutSeconds or the client leaves.</summary>
    private async Task WatchAsync(HttpContext context, string kind, string ns)
    {
        var field = context.Request.Query["fieldSelector"].ToString();
        if (!field.StartsWith("metadata.name=", StringComparison.Ordinal))
        {
            await WriteAsync(context, 400, FakeObjects.Status(400, "BadRequest", "this fake watches one object: fieldSelector=metadata.name=<name>")).ConfigureAwait(false);
            return;
        }
        var name = field["metadata.name=".Length..];
        var since = context.Request.Query["resourceVersion"].ToString();
        var seconds = int.TryParse(context.Request.Query["timeoutSeconds"], out var s) ? s : 300;
        using var subscription = Cluster.Watch(kind, ns, name);
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        await context.Response.StartAsync().ConfigureAwait(false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        timeout.CancelAfter(TimeSpan.FromSeconds(seconds));
        try
        {
            // Changes between the caller's read and this watch are not lost: the object as it is now, if newer.
            if (Cluster.Get(kind, ns, name) is { } current && (string?)current["metadata"]!["resourceVersion"] != since)
                await EventAsync(context, "MODIFIED", current, timeout.Token).ConfigureAwait(false);
            await foreach (var item in subscription.Reader.ReadAllAsync(timeout.Token).ConfigureAwait(false))
                await EventAsync(context, "MODIFIED", item, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // timeoutSeconds passed or the client went away: the stream simply ends, as the API server's does.
        }
    }

    private static async Task EventAsync(HttpContext context, string type, JsonObject item, CancellationToken ct)
    {
        var line = new JsonObject { ["type"] = type, ["object"] = item }.ToJsonString() + "\n";
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(line), ct).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(ct).ConfigureAwait(false);
    }

    /// <summary>/_fake/requests (the request log), /_fake/conflicts/{n} (inject 409s), /_fake/objects/{kind}/{ns}/{name}.</summary>
    private async Task InspectAsync(HttpContext context, string path)
    {
        var parts = path.Trim('/').Split('/');
        switch (parts)
        {
            case ["_fake", "requests"]:
                string text;
                lock (Cluster.Requests) text = string.Join("\n", Cluster.Requests);
                context.Response.ContentType = "text/plain";
                await context.Response.WriteAsync(text).ConfigureAwait(false);
                return;
            case ["_fake", "conflicts", var count] when int.TryParse(count, out var n):
                Cluster.ConflictsToInject = n;
                await context.Response.WriteAsync("ok").ConfigureAwait(false);
                return;
            case ["_fake", "objects", var kind, var ns, var name]:
                var item = Cluster.Get(kind, ns, name);
                await WriteAsync(context, item is null ? 404 : 200, item ?? FakeCluster.NotFoundStatus(kind, name)).ConfigureAwait(false);
                return;
            default:
                context.Response.StatusCode = 404;
                return;
        }
    }

    private static Dictionary<string, string> ParseSelector(string selector) =>
        selector.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2)).Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);

    private static async Task WriteAsync(HttpContext context, int code, JsonObject body)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString()).ConfigureAwait(false);
    }

    /// <summary>A CA of its own and a server certificate for 127.0.0.1 and localhost signed by it.</summary>
    private static (X509Certificate2 Ca, X509Certificate2 Leaf) Certificates()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=DeployOps fake Kubernetes CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new("1.3.6.1.5.5.7.3.1") }, false));
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7f;
        using var signed = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), serial);
        using var withKey = signed.CopyWithPrivateKey(key);
        var leaf = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
        return (ca, leaf);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _ca.Dispose();
    }
}
