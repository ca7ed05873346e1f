using DeployOps.Engine.Hosting;
using DeployOps.Engine.Strategies.Steps;

namespace DeployOps.Engine.Strategies.Docker;

/// <summary>{imageId} for the steps of a phase: the id the container step will run, known before the migrate step.</summary>
internal static partial class DockerDeployments
{
    public const string ImageIdPlaceholder = "imageId";

    /// <summary>
    /// The context with {imageId} when a step of <paramref name="stepPhases"/> uses it: the image is resolved as the
    /// container step resolves it (recorded id first) and remembered on the run, so both use the same id.
    /// </summary>
    internal static async Task<StepContext> WithImageIdAsync(DeploymentRun run, IEnumerable<string> stepPhases, StepContext context,
        CancellationToken ct)
    {
        var user = stepPhases.SelectMany(p => run.Settings.StepsFor(p).Select(s => (Phase: p, Step: s)))
            .FirstOrDefault(x => x.Step.Kind != StepKind.Docker && UsesImageId(x.Step));
        if (user.Step is null || context.ImageId is not null) return context;
        if (run.Settings.Docker is not { } settings)
            throw new DeployOpsException(ErrorIds.InvalidTemplateValue, ErrorKind.InvalidArgument,
                $"Step '{user.Step.Name}' ({user.Phase}) uses {{{ImageIdPlaceholder}}}, which only a deployment.docker deployment knows.",
                user.Step.Name);
        using var client = settings.CreateClient();
        return context.WithImageId(await ImageForRunAsync(run, settings, client, ct).ConfigureAwait(false));
    }

    private static bool UsesImageId(StepDefinition step) =>
        new[] { step.Command, step.Url, step.Body, step.ExpectBody, step.Sql, step.WorkingDirectory }
            .Concat(step.Environment.Values).Concat(step.Headers.Values).Concat(step.ExpectJson.Values)
            .Any(text => StepTemplate.Uses(text, ImageIdPlaceholder));
}
