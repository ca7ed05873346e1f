namespace DeployOps.Engine.Checks;

/// <summary>The check kinds this build knows, discovered once from the engine assembly.</summary>
internal static class CheckCatalog
{
    private static readonly Lazy<IReadOnlyDictionary<string, ICheckFactory>> Factories = new(Discover);

    public static IReadOnlyDictionary<string, ICheckFactory> All => Factories.Value;

    public static ICheckFactory? Find(string kind) => All.TryGetValue(kind, out var f) ? f : null;

    private static IReadOnlyDictionary<string, ICheckFactory> Discover() =>
        typeof(CheckCatalog).Assembly.GetTypes()
            .Where(t => typeof(ICheckFactory).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .Select(t => (ICheckFactory)Activator.CreateInstance(t)!)
            .ToDictionary(f => f.Kind, StringComparer.OrdinalIgnoreCase);
}
