using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace DeployOps.FakeKubernetes;

/// <summary>
/// API objects written by hand in the shapes of the Kubernetes OpenAPI document (io.k8s.api.core.v1.Service,
/// io.k8s.api.apps.v1.Deployment/ReplicaSet, io.k8s.apimachinery.pkg.apis.meta.v1.Status and WatchEvent).
/// </summary>
public static class FakeObjects
{
    public const string RevisionAnnotation = "deployment.kubernetes.io/revision";

    public static JsonObject Service(string ns, string name, JsonObject selector) => new()
    {
        ["kind"] = "Service",
        ["apiVersion"] = "v1",
        ["metadata"] = Metadata(ns, name, new JsonObject { ["app"] = name }),
        ["spec"] = new JsonObject
        {
            ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["protocol"] = "TCP", ["port"] = 80, ["targetPort"] = 8080 }),
            ["selector"] = selector,
            ["clusterIP"] = "10.96.0.10",
            ["clusterIPs"] = new JsonArray("10.96.0.10"),
            ["type"] = "ClusterIP",
            ["sessionAffinity"] = "None",
        },
        ["status"] = new JsonObject { ["loadBalancer"] = new JsonObject() },
    };

    public static JsonObject Deployment(string ns, string name, JsonObject labels, string container, string image, int replicas) => new()
    {
        ["kind"] = "Deployment",
        ["apiVersion"] = "apps/v1",
        ["metadata"] = Metadata(ns, name, labels.DeepClone().AsObject()),
        ["spec"] = new JsonObject
        {
            ["replicas"] = replicas,
            ["selector"] = new JsonObject { ["matchLabels"] = labels.DeepClone() },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = labels.DeepClone() },
                ["spec"] = new JsonObject
                {
                    ["containers"] = new JsonArray(new JsonObject
                    {
                        ["name"] = container,
                        ["image"] = image,
                        ["ports"] = new JsonArray(new JsonObject { ["containerPort"] = 8080, ["protocol"] = "TCP" }),
                        ["imagePullPolicy"] = "IfNotPresent",
                    }),
                    ["restartPolicy"] = "Always",
                    ["terminationGracePeriodSeconds"] = 30,
                },
            },
            ["strategy"] = new JsonObject
            {
                ["type"] = "RollingUpdate",
                ["rollingUpdate"] = new JsonObject { ["maxUnavailable"] = "25%", ["maxSurge"] = "25%" },
            },
            ["revisionHistoryLimit"] = 10,
            ["progressDeadlineSeconds"] = 600,
        },
        ["status"] = new JsonObject(),
    };

    public static JsonObject ReplicaSet(JsonObject deployment, string hash, long revision)
    {
        var meta = deployment["metadata"]!.AsObject();
        var name = (string)meta["name"]!;
        var template = Template(deployment).DeepClone().AsObject();
        Labels(template)["pod-template-hash"] = hash;
        var labels = Labels(template).DeepClone().AsObject();
        var selector = deployment["spec"]!["selector"]!["matchLabels"]!.DeepClone().AsObject();
        selector["pod-template-hash"] = hash;
        var rs = new JsonObject
        {
            ["kind"] = "ReplicaSet",
            ["apiVersion"] = "apps/v1",
            ["metadata"] = Metadata((string)meta["namespace"]!, $"{name}-{hash}", labels),
            ["spec"] = new JsonObject
            {
                ["replicas"] = 0,
                ["selector"] = new JsonObject { ["matchLabels"] = selector },
                ["template"] = template,
            },
            ["status"] = new JsonObject { ["replicas"] = 0, ["observedGeneration"] = 1 },
        };
        var rsMeta = rs["metadata"]!.AsObject();
        rsMeta["annotations"] = new JsonObject { [RevisionAnnotation] = revision.ToString(CultureInfo.InvariantCulture) };
        rsMeta["ownerReferences"] = new JsonArray(new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "Deployment",
            ["name"] = name,
            ["uid"] = (string)meta["uid"]!,
            ["controller"] = true,
            ["blockOwnerDeletion"] = true,
        });
        return rs;
    }

    public static JsonObject Template(JsonObject deployment) => deployment["spec"]!["template"]!.AsObject();

    public static JsonObject Labels(JsonObject template)
    {
        var meta = template["metadata"] as JsonObject ?? (JsonObject)(template["metadata"] = new JsonObject());
        return meta["labels"] as JsonObject ?? (JsonObject)(meta["labels"] = new JsonObject())!;
    }

    /// <summary>The controller's pod-template-hash: a hash of the template without that label, keys sorted.</summary>
    public static string TemplateHash(JsonObject template)
    {
        var canonical = Canonical(WithoutHash(template))!.ToJsonString();
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))[..10].ToLowerInvariant();
    }

    public static JsonObject WithoutHash(JsonObject template)
    {
        var copy = template.DeepClone().AsObject();
        Labels(copy).Remove("pod-template-hash");
        return copy;
    }

    public static JsonNode? Canonical(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Where(p => p.Value is not null)
            .Select(p => KeyValuePair.Create(p.Key, Canonical(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Canonical).ToArray()),
        null => null,
        _ => node.DeepClone(),
    };

    public static JsonObject Condition(string type, string status, string reason, string message, DateTimeOffset now) => new()
    {
        ["type"] = type,
        ["status"] = status,
        ["lastUpdateTime"] = Time(now),
        ["lastTransitionTime"] = Time(now),
        ["reason"] = reason,
        ["message"] = message,
    };

    /// <summary>metav1.Status, as the API answers errors (404, 409, 401…).</summary>
    public static JsonObject Status(int code, string reason, string message, string? name = null, string? group = null, string? kind = null)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
            ["code"] = code,
        };
        if (name is not null) status["details"] = new JsonObject { ["name"] = name, ["group"] = group ?? "", ["kind"] = kind ?? "" };
        return status;
    }

    public static JsonObject List(string kind, string apiVersion, string resourceVersion, IEnumerable<JsonObject> items) => new()
    {
        ["kind"] = kind,
        ["apiVersion"] = apiVersion,
        ["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion },
        ["items"] = new JsonArray(items.Select(i => (JsonNode)i.DeepClone()).ToArray()),
    };

    public static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static JsonObject Metadata(string ns, string name, JsonObject labels) => new()
    {
        ["name"] = name,
        ["namespace"] = ns,
        ["uid"] = Guid.NewGuid().ToString(),
        ["resourceVersion"] = "0",
        ["generation"] = 1,
        ["creationTimestamp"] = Time(DateTimeOffset.UtcNow),
        ["labels"] = labels,
    };
}
