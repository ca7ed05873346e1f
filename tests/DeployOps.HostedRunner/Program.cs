// DeployOps.HostedRunner: drives the STAGED module from a child process of tests/DeployOps.Hosting.Tests.
//   layout <module dir>           what PowerShell does with DeployOps.dll BEFORE OnImport: load it (Dependencies/
//                                 off the probing path), enumerate exported types and the members of every type
//                                 (cmdlet parameters first); prints the findings as JSON.
//   run <psd1> [script | -]       a hosted runspace (CreateDefault2) imports the module and runs the script (an
//                                 argument, or stdin for "-"); prints output, errors and every stream as JSON.
// Output is framed by the markers below so that nothing else written to stdout can corrupt it.
using DeployOps.HostedRunner;

const string Begin = "<<<DEPLOYOPS-JSON";
const string End = "DEPLOYOPS-JSON>>>";

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: DeployOps.HostedRunner layout <module dir> | run <psd1> [script | -]");
    return 2;
}

string json;
switch (args[0])
{
    case "layout":
        json = LayoutProbe.Run(Path.GetFullPath(args[1]));
        break;
    case "run":
        var script = args.Length < 3 || args[2] == "-" ? Console.In.ReadToEnd() : args[2];
        json = HostedSession.Run(Path.GetFullPath(args[1]), script);
        break;
    default:
        Console.Error.WriteLine($"unknown mode {args[0]}");
        return 2;
}
Console.Out.WriteLine(Begin);
Console.Out.WriteLine(json);
Console.Out.WriteLine(End);
return 0;
