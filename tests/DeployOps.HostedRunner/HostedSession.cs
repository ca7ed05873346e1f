using System.Collections;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Text.Json;

namespace DeployOps.HostedRunner;

/// <summary>
/// A runspace as an application hosting PowerShell creates it: CreateDefault2, a recording host (so ShouldProcess'
/// "What if:" lines, which PowerShell writes to the host, are observable), Import-Module of the staged psd1, then
/// the script. Everything the script produced is returned as JSON.
/// </summary>
internal static class HostedSession
{
    public static string Run(string psd1, string script)
    {
        var host = new RecordingHost();
        var state = InitialSessionState.CreateDefault2();
        using var runspace = RunspaceFactory.CreateRunspace(host, state);
        runspace.Open();

        using var ps = PowerShell.Create(runspace);
        string? importError = null;
        try
        {
            ps.AddCommand("Import-Module").AddParameter("Name", psd1).AddParameter("ErrorAction", "Stop").Invoke();
        }
        catch (Exception e)
        {
            importError = $"{e.GetType().Name}: {e.Message}";
        }
        ps.Commands.Clear();
        ps.Streams.ClearStreams();

        var output = new List<PSObject>();
        object? terminating = null;
        if (importError is null)
        {
            ps.AddScript(script);
            try
            {
                foreach (var item in ps.Invoke()) output.Add(item);
            }
            catch (RuntimeException e)
            {
                terminating = Error(e.ErrorRecord);
            }
            catch (Exception e)
            {
                terminating = new { exception = e.GetType().FullName, message = e.Message };
            }
        }

        return JsonSerializer.Serialize(new
        {
            importError,
            hadErrors = ps.HadErrors,
            terminating,
            output = output.Select(Describe).ToArray(),
            errors = ps.Streams.Error.Select(Error).ToArray(),
            warnings = ps.Streams.Warning.Select(w => w.Message).ToArray(),
            verbose = ps.Streams.Verbose.Select(v => v.Message).ToArray(),
            debug = ps.Streams.Debug.Select(d => d.Message).ToArray(),
            information = ps.Streams.Information.Select(i => i.MessageData?.ToString()).ToArray(),
            host = host.Lines.ToArray(),
        }, new JsonSerializerOptions { WriteIndented = true });
    }

    private static object Error(ErrorRecord record) => new
    {
        fullyQualifiedErrorId = record.FullyQualifiedErrorId,
        category = record.CategoryInfo.Category.ToString(),
        targetObject = record.TargetObject?.ToString(),
        message = record.ErrorDetails?.Message ?? record.Exception?.Message,
        exception = record.Exception?.GetType().FullName,
    };

    private static object Describe(PSObject item)
    {
        var properties = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (item.BaseObject is not string && !item.BaseObject.GetType().IsPrimitive)
        {
            foreach (var property in item.Properties.Take(60))
            {
                try
                {
                    properties[property.Name] = property.Value switch
                    {
                        null => null,
                        string s => s,
                        IEnumerable many => string.Join(", ", many.Cast<object?>().Select(o => o?.ToString())),
                        var v => Convert.ToString(v, CultureInfo.InvariantCulture),
                    };
                }
                catch (Exception e)
                {
                    properties[property.Name] = $"<{e.GetType().Name}>";
                }
            }
        }
        return new
        {
            typeNames = item.TypeNames.ToArray(),
            baseType = item.BaseObject.GetType().FullName,
            text = item.BaseObject.ToString(),
            properties,
        };
    }
}
