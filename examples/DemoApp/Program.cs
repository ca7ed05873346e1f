// DeployOps demo application: reports its version, /health with active_connections, Prometheus /metrics, and
// fault-injection knobs (error rate, added latency, memory growth, crash) set per instance at /admin/faults.
using DeployOps.DemoApp;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();

var settings = DemoSettings.FromEnvironment(app.Configuration);
var faults = new Faults(settings);
var metrics = new Metrics();

app.Use(async (context, next) =>
{
    var path = context.Request.Path.Value ?? "/";
    var tracked = !path.StartsWith("/admin", StringComparison.Ordinal) && path != "/metrics";
    var started = System.Diagnostics.Stopwatch.GetTimestamp();
    metrics.ConnectionOpened();
    try
    {
        context.Response.Headers["X-App-Version"] = settings.Version;
        context.Response.Headers["X-App-Instance"] = settings.Instance;
        if (tracked && !path.StartsWith("/health", StringComparison.Ordinal)) await faults.BeforeRequestAsync(context);
        if (context.Response.StatusCode < 500 || !context.Response.HasStarted) await next(context);
    }
    finally
    {
        metrics.ConnectionClosed();
        if (tracked) metrics.Observe(context.Response.StatusCode, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds, path);
    }
});

app.MapGet("/", () => Results.Text($"DeployOps demo {settings.Version} ({settings.Instance})\n"));
app.MapGet("/version", () => Results.Json(new { version = settings.Version, instance = settings.Instance }));
app.MapGet("/health", () => Results.Json(new
{
    status = "ok",
    version = settings.Version,
    instance = settings.Instance,
    active_connections = metrics.ActiveConnections + faults.SimulatedConnections(),
}));
app.MapGet("/metrics", () => Results.Text(metrics.Render(faults.ResidentBytes()), "text/plain; version=0.0.4"));

// The application's API honours the maintenance flag file when one is configured.
app.MapGet("/api/{**rest}", (string? rest) => settings.MaintenanceFlag is { } flag && File.Exists(flag)
    ? Results.Text("System undergoing maintenance\n", statusCode: 503)
    : Results.Json(new { ok = true, path = rest, version = settings.Version }));
app.MapPost("/api/{**rest}", (string? rest) => Results.Json(new { ok = true, path = rest, version = settings.Version }));

// Holds the connection open for ?ms= milliseconds: real in-flight work for draining tests and load.
app.MapGet("/slow", async (int? ms, CancellationToken ct) =>
{
    await Task.Delay(Math.Clamp(ms ?? 1000, 0, 600_000), ct);
    return Results.Text("done\n");
});

app.MapGet("/admin/faults", () => Results.Json(faults.Snapshot()));
app.MapPost("/admin/faults", async (HttpContext context) =>
{
    var update = await context.Request.ReadFromJsonAsync<FaultUpdate>();
    if (update is null) return Results.BadRequest("expected a JSON body");
    faults.Apply(update);
    return Results.Json(faults.Snapshot());
});
app.MapPost("/admin/crash", () =>
{
    // Exit after the answer is sent, like a process that dies under load.
    _ = Task.Run(async () => { await Task.Delay(50); Environment.Exit(137); });
    return Results.Text("crashing\n");
});

app.Run();
