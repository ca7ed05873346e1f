// Loads a staged DeployOps module the way PowerShell does (Assembly.LoadFrom of the root module, then the module
// initializer), touches the engine so it and its dependencies must resolve, and prints where each assembly came from.
using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: DeployOps.LoadProbe <module directory> <deployops.yaml>");
    return 2;
}
var moduleDirectory = Path.GetFullPath(args[0]);

// PowerShell provides System.Management.Automation itself; here the reference stub beside the module stands in.
AssemblyLoadContext.Default.Resolving += (context, name) =>
    name.Name == "System.Management.Automation" ? context.LoadFromAssemblyPath(Path.Combine(moduleDirectory, "System.Management.Automation.dll")) : null;

var module = Assembly.LoadFrom(Path.Combine(moduleDirectory, "DeployOps.dll"));
var initializer = module.GetType("DeployOps.LoadContext.ModuleInitializer", throwOnError: true)!;
initializer.GetMethod("OnImport")!.Invoke(Activator.CreateInstance(initializer), null);

// A cmdlet's parameter type lives in the engine: resolving it must go through our load context.
var command = module.GetType("DeployOps.Commands.TestPreDeploymentCommand", throwOnError: true)!;
var configType = command.GetProperty("Config")!.PropertyType;
var loader = configType.Assembly.GetType("DeployOps.Engine.Configuration.ConfigLoader", throwOnError: true)!;
var config = loader.GetMethod("Load")!.Invoke(null, new object?[] { args[1], null })!;
var postgres = configType.GetProperty("Postgres")!.GetValue(config);

string ContextOf(string assemblyName) =>
    AppDomain.CurrentDomain.GetAssemblies().Where(a => a.GetName().Name == assemblyName)
        .Select(a => AssemblyLoadContext.GetLoadContext(a)?.Name ?? "?").DefaultIfEmpty("not loaded").First();

Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, string>
{
    ["DeployOps"] = ContextOf("DeployOps"),
    ["DeployOps.Engine"] = ContextOf("DeployOps.Engine"),
    ["Npgsql"] = ContextOf("Npgsql"),
    ["YamlDotNet"] = ContextOf("YamlDotNet"),
    ["postgres"] = postgres?.ToString() ?? "",
}));
return 0;
