using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace DeployOps.FakeKubernetes;

/// <summary>
/// The objects of the fake API server and a deployment controller that moves a Deployment's status the way the real
/// one does: a new ReplicaSet revision per pod template, updated/available replicas step by step, and the
/// ProgressDeadlineExceeded condition for images whose tag holds "broken" (a rollout that never becomes ready).
/// Images whose tag holds "stuck" stay at 0 available forever, without a deadline (for rollout timeouts).
/// </summary>
public sealed class FakeCluster
{
    private readonly object _gate = new();
    private readonly Dictionary<string, JsonObject> _objects = new(StringComparer.Ordinal);
    private readonly List<(string Key, Channel<JsonObject> Channel)> _watchers = new();
    private long _resourceVersion = 100;

    /// <summary>The next this many PUTs answer 409 after someone else "wrote" the object (its resourceVersion moves on).</summary>
    public int ConflictsToInject { get; set; }
    /// <summary>Pause between two steps of the simulated controller.</summary>
    public TimeSpan StepDelay { get; set; } = TimeSpan.FromMilliseconds(30);
    /// <summary>Every request, "METHOD path?query", in order.</summary>
    public List<string> Requests { get; } = new();

    public static string Key(string kind, string ns, string name) => $"{kind}/{ns}/{name}";

    public JsonObject? Get(string kind, string ns, string name)
    {
        lock (_gate) return _objects.GetValueOrDefault(Key(kind, ns, name))?.DeepClone().AsObject();
    }

    public List<JsonObject> List(string kind, string ns, Func<JsonObject, bool> filter)
    {
        lock (_gate)
            return _objects.Where(o => o.Key.StartsWith($"{kind}/{ns}/", StringComparison.Ordinal)).Select(o => o.Value)
                .Where(filter).Select(o => o.DeepClone().AsObject()).ToList();
    }

    public string CurrentResourceVersion
    {
        get { lock (_gate) return _resourceVersion.ToString(CultureInfo.InvariantCulture); }
    }

    /// <summary>Blue-green: Service {app} selecting version={live}, Deployments {app}-blue and {app}-green, rolled out.</summary>
    public void SeedBlueGreen(string ns, string app, string live, int replicas, string image)
    {
        Store(FakeObjects.Service(ns, app, new JsonObject { ["app"] = app, ["version"] = live }));
        foreach (var colour in new[] { "blue", "green" })
            SeedDeployment(ns, $"{app}-{colour}", new JsonObject { ["app"] = app, ["version"] = colour }, image, colour == live ? replicas : 0);
    }

    /// <summary>Rolling: Deployment {app} at revision 1, rolled out.</summary>
    public void SeedRolling(string ns, string app, int replicas, string image) =>
        SeedDeployment(ns, app, new JsonObject { ["app"] = app }, image, replicas);

    private void SeedDeployment(string ns, string name, JsonObject labels, string image, int replicas)
    {
        var deployment = FakeObjects.Deployment(ns, name, labels, "app", image, replicas);
        lock (_gate)
        {
            NewRevision(deployment);
            SetStatus(deployment, replicas, replicas, replicas, Complete(name));
            Store(deployment);
        }
    }

    /// <summary>PUT: optimistic concurrency on metadata.resourceVersion, status kept, generation and revisions as the API does.</summary>
    public (int Code, JsonObject Body) Replace(string kind, string ns, string name, JsonObject body)
    {
        lock (_gate)
        {
            var key = Key(kind, ns, name);
            if (!_objects.TryGetValue(key, out var current)) return (404, NotFound(kind, name));
            var sent = (string?)body["metadata"]?["resourceVersion"];
            if (ConflictsToInject > 0)
            {
                ConflictsToInject--;
                // Someone else (an autoscaler, another operator) wrote the object since the caller read it.
                current["metadata"]!["annotations"] ??= new JsonObject();
                current["metadata"]!["annotations"]!["fake.deployops/touched"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
                Store(current);
                return (409, Conflict(kind, name));
            }
            if (sent is not null && sent != (string?)current["metadata"]!["resourceVersion"]) return (409, Conflict(kind, name));
            var updated = current.DeepClone().AsObject();
            var spec = body["spec"]?.DeepClone();
            if (spec is null) return (422, FakeObjects.Status(422, "Invalid", $"{kind} \"{name}\" is invalid: spec: Required value"));
            var specChanged = FakeObjects.Canonical(spec)!.ToJsonString() != FakeObjects.Canonical(current["spec"])!.ToJsonString();
            updated["spec"] = spec;
            if (body["metadata"]?["annotations"] is JsonObject annotations && kind == "services") updated["metadata"]!["annotations"] = annotations.DeepClone();
            if (kind == "deployments" && specChanged)
            {
                var meta = updated["metadata"]!.AsObject();
                meta["generation"] = Num(meta["generation"]) + 1;
                NewRevision(updated);
            }
            Store(updated);
            if (kind == "deployments" && specChanged)
            {
                var generation = Num(updated["metadata"]!["generation"]);
                _ = Task.Run(() => ReconcileAsync(ns, name, generation));
            }
            return (200, updated.DeepClone().AsObject());
        }
    }

    /// <summary>Events for one object from now on; the caller disposes the subscription.</summary>
    public Subscription Watch(string kind, string ns, string name)
    {
        var channel = Channel.CreateUnbounded<JsonObject>();
        var entry = (Key(kind, ns, name), channel);
        lock (_gate) _watchers.Add(entry);
        return new Subscription(channel.Reader, () => { lock (_gate) _watchers.Remove(entry); });
    }

    public sealed class Subscription : IDisposable
    {
        private readonly Action _dispose;
        public Subscription(ChannelReader<JsonObject> reader, Action dispose) { Reader = reader; _dispose = dispose; }
        public ChannelReader<JsonObject> Reader { get; }
        public void Dispose() => _dispose();
    }

    /// <summary>The controller: status steps until the new revision is available (or fails, or hangs).</summary>
    private async Task ReconcileAsync(string ns, string name, long generation)
    {
        var step = 0;
        while (true)
        {
            await Task.Delay(StepDelay).ConfigureAwait(false);
            lock (_gate)
            {
                if (!_objects.TryGetValue(Key("deployments", ns, name), out var d) || Num(d["metadata"]!["generation"]) != generation) return;
                var updated = d.DeepClone().AsObject();
                var wanted = (int?)updated["spec"]!["replicas"] ?? 1;
                var image = (string)FakeObjects.Template(updated)["spec"]!["containers"]![0]!["image"]!;
                var tag = image[(image.LastIndexOf(':') + 1)..];
                var status = updated["status"]!.AsObject();
                var was = (int?)status["updatedReplicas"] ?? 0;
                step++;
                if (tag.Contains("stuck", StringComparison.Ordinal))
                {
                    SetStatus(updated, 0, (int?)status["availableReplicas"] ?? 0, Math.Max(wanted, (int?)status["replicas"] ?? 0),
                        Progressing(name, "ReplicaSetUpdated", $"ReplicaSet \"{RsName(updated)}\" is progressing."));
                    Store(updated);
                    return;
                }
                if (tag.Contains("broken", StringComparison.Ordinal))
                {
                    var deadline = step >= 3;
                    SetStatus(updated, Math.Min(1, wanted), Math.Max(0, wanted - 1), wanted + Math.Min(1, wanted), deadline
                        ? new[] { FakeObjects.Condition("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", DateTimeOffset.UtcNow),
                                  FakeObjects.Condition("Progressing", "False", "ProgressDeadlineExceeded", $"ReplicaSet \"{RsName(updated)}\" has timed out progressing.", DateTimeOffset.UtcNow) }
                        : Progressing(name, "ReplicaSetUpdated", $"ReplicaSet \"{RsName(updated)}\" is progressing."));
                    Store(updated);
                    if (deadline) return;
                    continue;
                }
                var now = Math.Min(wanted, was + 1);
                var done = now == wanted;
                var old = done ? 0 : Math.Max(0, wanted - now);
                SetStatus(updated, now, now, now + old, done ? Complete(name, RsName(updated)) : Progressing(name, "ReplicaSetUpdated", $"ReplicaSet \"{RsName(updated)}\" is progressing."));
                Store(updated);
                if (done) return;
            }
        }
    }

    /// <summary>A JSON number as written (an int from a seed, a long from a PUT body).</summary>
    private static long Num(JsonNode? node) => node is null ? 0 : long.Parse(node.ToJsonString(), CultureInfo.InvariantCulture);

    private static string RsName(JsonObject deployment) =>
        $"{deployment["metadata"]!["name"]}-{FakeObjects.TemplateHash(FakeObjects.Template(deployment))}";

    private static JsonObject[] Progressing(string name, string reason, string message) => new[]
    {
        FakeObjects.Condition("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", DateTimeOffset.UtcNow),
        FakeObjects.Condition("Progressing", "True", reason, message, DateTimeOffset.UtcNow),
    };

    private static JsonObject[] Complete(string name, string? rs = null) => new[]
    {
        FakeObjects.Condition("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", DateTimeOffset.UtcNow),
        FakeObjects.Condition("Progressing", "True", "NewReplicaSetAvailable", $"ReplicaSet \"{rs ?? name}\" has successfully progressed.", DateTimeOffset.UtcNow),
    };

    private static void SetStatus(JsonObject deployment, int updated, int available, int total, JsonObject[] conditions)
    {
        deployment["status"] = new JsonObject
        {
            ["observedGeneration"] = Num(deployment["metadata"]!["generation"]),
            ["replicas"] = total,
            ["updatedReplicas"] = updated,
            ["readyReplicas"] = available,
            ["availableReplicas"] = available,
            ["unavailableReplicas"] = Math.Max(0, total - available),
            ["conditions"] = new JsonArray(conditions.Select(c => (JsonNode)c).ToArray()),
        };
    }

    /// <summary>The ReplicaSet for the current template: an existing one moves to the next revision, else a new one.</summary>
    private void NewRevision(JsonObject deployment)
    {
        var meta = deployment["metadata"]!.AsObject();
        var ns = (string)meta["namespace"]!;
        var name = (string)meta["name"]!;
        var hash = FakeObjects.TemplateHash(FakeObjects.Template(deployment));
        var owned = _objects.Values.Where(o => (string?)o["kind"] == "ReplicaSet" &&
            (string?)o["metadata"]!["ownerReferences"]?[0]?["uid"] == (string)meta["uid"]!).ToList();
        var revision = owned.Select(o => long.Parse((string)o["metadata"]!["annotations"]![FakeObjects.RevisionAnnotation]!, CultureInfo.InvariantCulture))
            .DefaultIfEmpty(0).Max() + 1;
        var current = Revision(meta);
        var existing = owned.FirstOrDefault(o => (string)o["metadata"]!["name"]! == $"{name}-{hash}");
        if (existing is not null && current == Revision(existing["metadata"]!.AsObject())) return;
        var rs = existing ?? FakeObjects.ReplicaSet(deployment, hash, revision);
        rs["metadata"]!["annotations"]![FakeObjects.RevisionAnnotation] = revision.ToString(CultureInfo.InvariantCulture);
        Store(rs);
        meta["annotations"] ??= new JsonObject();
        meta["annotations"]![FakeObjects.RevisionAnnotation] = revision.ToString(CultureInfo.InvariantCulture);
        _ = ns;
    }

    private static long? Revision(JsonObject meta) =>
        meta["annotations"]?[FakeObjects.RevisionAnnotation] is JsonNode r ? long.Parse((string)r!, CultureInfo.InvariantCulture) : null;

    private void Store(JsonObject item)
    {
        lock (_gate)
        {
            item["metadata"]!["resourceVersion"] = (++_resourceVersion).ToString(CultureInfo.InvariantCulture);
            var kind = (string)item["kind"]! switch { "Service" => "services", "Deployment" => "deployments", _ => "replicasets" };
            var key = Key(kind, (string)item["metadata"]!["namespace"]!, (string)item["metadata"]!["name"]!);
            _objects[key] = item;
            foreach (var (watched, channel) in _watchers.Where(w => w.Key == key)) channel.Writer.TryWrite(item.DeepClone().AsObject());
        }
    }

    private static JsonObject NotFound(string kind, string name) =>
        FakeObjects.Status(404, "NotFound", $"{kind}{(kind == "deployments" ? ".apps" : "")} \"{name}\" not found", name, kind == "services" ? "" : "apps", kind);

    private static JsonObject Conflict(string kind, string name) =>
        FakeObjects.Status(409, "Conflict", $"Operation cannot be fulfilled on {kind}{(kind == "deployments" ? ".apps" : "")} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
            name, kind == "services" ? "" : "apps", kind);

    public static JsonObject NotFoundStatus(string kind, string name) => NotFound(kind, name);
}
