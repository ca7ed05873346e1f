using System.Xml;
using DeployOps.HelpGen;

// Usage: DeployOps.HelpGen <docs/cmdlets dir> <output DeployOps.dll-Help.xml>
// Exit codes: 0 written, 1 the help is incomplete (every problem is listed), 2 bad usage.
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: dotnet run --project tools/DeployOps.HelpGen -c Release -- <docs/cmdlets dir> <output xml path>");
    return 2;
}
var docsDirectory = Path.GetFullPath(args[0]);
var outputPath = Path.GetFullPath(args[1]);
if (!Directory.Exists(docsDirectory))
{
    Console.Error.WriteLine($"help sources not found: {docsDirectory}");
    return 2;
}

// The cmdlets this tool was built against (project reference): the same source the module is published from.
var cmdlets = CmdletShape.ReadAll(typeof(DeployOps.Commands.InvokeDeploymentCommand).Assembly);
var docs = HelpCheck.LoadDocs(docsDirectory);
var problems = HelpCheck.Problems(cmdlets, docs, docsDirectory);
if (problems.Count > 0)
{
    foreach (var problem in problems) Console.Error.WriteLine("error: " + problem);
    Console.Error.WriteLine($"help is incomplete: {problems.Count} problem(s); nothing written");
    return 1;
}

var pairs = cmdlets.Select(c => (Cmdlet: c, Doc: docs.Single(d => Path.GetFileNameWithoutExtension(d.File).Equals(c.Name, StringComparison.OrdinalIgnoreCase)))).ToList();

// docs/cmdlets sits two levels below the repository root; page links are written relative to the root.
var repositoryRoot = Path.GetFullPath(Path.Combine(docsDirectory, "..", ".."));
var document = MamlWriter.Write(pairs, repositoryRoot);
Directory.CreateDirectory(Path.GetDirectoryName(outputPath)!);
using (var writer = XmlWriter.Create(outputPath, new XmlWriterSettings { Indent = true, Encoding = new System.Text.UTF8Encoding(false) }))
    document.Save(writer);
Console.WriteLine($"wrote help for {pairs.Count} cmdlets to {outputPath}");
return 0;
