using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace DeployOps.HostedRunner;

/// <summary>A non-interactive host that records what PowerShell writes to it (What if:, Write-Host …).</summary>
internal sealed class RecordingHost : PSHost
{
    private readonly RecordingUI _ui = new();

    public List<string> Lines => _ui.Lines;
    public override string Name => "DeployOps.HostedRunner";
    public override Version Version => new(1, 0);
    public override Guid InstanceId { get; } = Guid.NewGuid();
    public override PSHostUserInterface UI => _ui;
    public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;
    public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;
    public override void SetShouldExit(int exitCode) { }
    public override void EnterNestedPrompt() => throw new NotSupportedException();
    public override void ExitNestedPrompt() => throw new NotSupportedException();
    public override void NotifyBeginApplication() { }
    public override void NotifyEndApplication() { }

    private sealed class RecordingUI : PSHostUserInterface
    {
        private string _pending = "";
        public List<string> Lines { get; } = new();
        public override PSHostRawUserInterface? RawUI => null;

        public override void Write(string value) => _pending += value;
        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => _pending += value;
        public override void WriteLine(string value)
        {
            Lines.Add(_pending + value);
            _pending = "";
        }
        public override void WriteErrorLine(string value) => Lines.Add("ERROR: " + value);
        public override void WriteDebugLine(string message) => Lines.Add("DEBUG: " + message);
        public override void WriteVerboseLine(string message) => Lines.Add("VERBOSE: " + message);
        public override void WriteWarningLine(string message) => Lines.Add("WARNING: " + message);
        public override void WriteProgress(long sourceId, ProgressRecord record) { }

        public override string ReadLine() => throw new NotSupportedException("non-interactive host");
        public override SecureString ReadLineAsSecureString() => throw new NotSupportedException("non-interactive host");
        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) =>
            throw new NotSupportedException("non-interactive host");
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) =>
            throw new NotSupportedException("non-interactive host");
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName,
            PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw new NotSupportedException("non-interactive host");
        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice) =>
            throw new NotSupportedException("non-interactive host");
    }
}
