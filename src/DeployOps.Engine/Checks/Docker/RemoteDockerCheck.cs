using System.Globalization;
using DeployOps.Engine.Checks.OnTarget;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Targets;

namespace DeployOps.Engine.Checks.Docker;

/// <summary>
/// A docker check on a target: the <c>docker</c> CLI there asks the host's daemon (or <c>host:</c>, as DOCKER_HOST) for
/// its version, the image (pulled there with <c>pull: true</c>) and its data root, whose free space <c>df</c> measures
/// on that host — what a deployment to the host will need.
/// </summary>
internal sealed class RemoteDockerCheck : ICheck
{
    // $1 image (may be empty), $2 "pull" or empty.
    private const string Script = """
        command -v docker >/dev/null 2>&1 || { echo "deployops-docker-nocli"; exit 0; }
        if ! v=$(docker version --format '{{.Server.Version}} {{.Server.APIVersion}}' 2>&1); then
          printf 'deployops-docker-down %s\n' "$(printf '%s' "$v" | tail -n 1)"; exit 0
        fi
        echo "deployops-docker-version $v"
        if [ -n "$1" ]; then
          id=$(docker image inspect --format '{{.Id}}' -- "$1" 2>/dev/null); pulled=0
          if [ -z "$id" ] && [ "$2" = pull ]; then
            if err=$(docker pull -q -- "$1" 2>&1); then pulled=1; id=$(docker image inspect --format '{{.Id}}' -- "$1" 2>/dev/null)
            else printf 'deployops-docker-pullfailed %s\n' "$(printf '%s' "$err" | tail -n 1)"; fi
          fi
          echo "deployops-docker-image $pulled ${id:-none}"
        fi
        root=$(docker info --format '{{.DockerRootDir}}' 2>/dev/null)
        echo "deployops-docker-root $root"
        [ -d "$root" ] && df -P -B1 -- "$root" | tail -n 1 | awk '{print "deployops-docker-free " $4}'
        exit 0
        """;

    private readonly SshTarget _target;
    private readonly string? _host;
    private readonly string? _image;
    private readonly bool _pull;
    private readonly long _minFree;

    public RemoteDockerCheck(SshTarget target, string? host, string? image, bool pull, long minFree)
    {
        _target = target;
        _host = host;
        _image = image;
        _pull = pull;
        _minFree = minFree;
    }

    public string Target => $"{_target.Name}: {_host ?? "its Docker daemon"}" + (_image is null ? "" : $" {_image}");

    public async Task<CheckOutcome> RunAsync(CancellationToken cancellationToken)
    {
        var data = new Dictionary<string, object?> { ["daemon"] = _host ?? "default" };
        var environment = new Dictionary<string, string?> { ["DOCKER_HOST"] = _host };
        var (result, failure) = await TargetScript.RunAsync(_target, Script, new[] { _image ?? "", _pull ? "pull" : "" }, environment, data,
            cancellationToken).ConfigureAwait(false);
        if (failure is not null) return failure;
        var r = result!;
        if (TargetScript.Line(r, "deployops-docker-nocli") is not null)
            return CheckOutcome.Fail($"the docker CLI is not installed on {_target.Name}", data);
        if (TargetScript.Line(r, "deployops-docker-down") is { } down)
        {
            data["errorId"] = ErrorIds.DockerUnreachable;
            return CheckOutcome.Fail($"the Docker daemon on {_target.Name} does not answer: {down}", data);
        }
        if (TargetScript.Line(r, "deployops-docker-version")?.Split(' ') is not [var version, var api, ..])
            return CheckOutcome.Fail($"docker on {_target.Name} gave no usable answer: {TargetScript.Said(r)}", data);
        data["version"] = version;
        data["apiVersion"] = api;
        var found = new List<string> { $"Docker {version} (API {api}) on {_target.Name}" };
        var problems = new List<string>();
        var warnings = new List<string>();
        if (_image is not null) Image(r, data, found, problems);
        Disk(r, data, found, problems, warnings);
        var summary = string.Join("; ", problems.Concat(warnings).Concat(found));
        return problems.Count > 0 ? CheckOutcome.Fail(summary, data)
            : warnings.Count > 0 ? CheckOutcome.Warn(summary, data)
            : CheckOutcome.Pass(summary, data);
    }

    private void Image(Processes.ChildProcessResult r, Dictionary<string, object?> data, List<string> found, List<string> problems)
    {
        data["image"] = _image;
        var fields = TargetScript.Line(r, "deployops-docker-image")?.Split(' ') ?? new[] { "0", "none" };
        data["imagePulled"] = fields[0] == "1";
        if (TargetScript.Line(r, "deployops-docker-pullfailed") is { } pullError)
        {
            data["errorId"] = ErrorIds.DockerImageNotFound;
            problems.Add($"image {_image} is not present on {_target.Name} and the pull there failed: {pullError}");
        }
        else if (fields.Length < 2 || fields[1] == "none")
        {
            data["errorId"] = ErrorIds.DockerImageNotFound;
            problems.Add($"image {_image} is not present on {_target.Name} (load it there, or set pull: true to pull it)");
        }
        else
        {
            data["imageId"] = fields[1];
            found.Add($"image {_image} {(fields[0] == "1" ? "pulled" : "present")} ({(fields[1].Length > 19 ? fields[1][..19] : fields[1])})");
        }
    }

    private void Disk(Processes.ChildProcessResult r, Dictionary<string, object?> data, List<string> found, List<string> problems, List<string> warnings)
    {
        var root = TargetScript.Line(r, "deployops-docker-root");
        data["rootDir"] = root;
        data["minFree"] = _minFree;
        if (TargetScript.Line(r, "deployops-docker-free") is not { } text || !long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var free))
        {
            warnings.Add($"the Docker data root {(string.IsNullOrEmpty(root) ? "(not reported)" : root)} is not visible on {_target.Name}; free space not checked");
            return;
        }
        data["freeBytes"] = free;
        var message = $"{ValueParsers.FormatSize(free)} free in {root} on {_target.Name}";
        if (free < _minFree) problems.Add($"only {message} (minFree {ValueParsers.FormatSize(_minFree)})");
        else found.Add(message);
    }
}
