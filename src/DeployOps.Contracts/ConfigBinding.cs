using System.Collections;
using DeployOps.Engine.Backup;
using DeployOps.Engine.Health;
using DeployOps.Engine.Maintenance;
using DeployOps.Engine.Rollback;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Traffic;

namespace DeployOps.Engine;

/// <summary>
/// Stamps output records with the path of the configuration they came from (<c>ConfigPath</c>), so a record piped to
/// another cmdlet selects the same configuration. The engine calls this for everything it returns or emits.
/// </summary>
internal static class ConfigBinding
{
    public static T Bind<T>(T value, string configPath)
    {
        Stamp(value, configPath);
        return value;
    }

    public static void Stamp(object? value, string configPath)
    {
        switch (value)
        {
            case null or string:
                return;
            case DeploymentRecord r: r.ConfigPath = configPath; return;
            case DeploymentStatus s:
                s.ConfigPath = configPath;
                Stamp(s.Lock, configPath);
                Stamp(s.Current, configPath);
                foreach (var i in s.Interrupted) Stamp(i, configPath);
                return;
            case LockInfo l: l.ConfigPath = configPath; return;
            case DeploymentBackup b: b.ConfigPath = configPath; return;
            case BackupVerification v: v.ConfigPath = configPath; return;
            case DatabaseRestoreResult d: d.ConfigPath = configPath; return;
            case HealthSample h: h.ConfigPath = configPath; return;
            case HealthDecision h: h.ConfigPath = configPath; return;
            case RollbackResult r: r.ConfigPath = configPath; return;
            case MaintenanceState m: m.ConfigPath = configPath; return;
            case DeploymentApproval a: a.ConfigPath = configPath; return;
            case TrafficChange t: t.ConfigPath = configPath; return;
            case IEnumerable items:
                foreach (var item in items) Stamp(item, configPath);
                return;
        }
    }
}
