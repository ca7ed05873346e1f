using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.State;

internal enum StateStoreKind
{
    /// <summary>Files in the state directory next to the configuration (one host).</summary>
    File,
    /// <summary>Tables and advisory locks in PostgreSQL, shared by every host that deploys.</summary>
    Postgres,
}

/// <summary>The <c>state:</c> section: where history, journal, locks, audit and backups live.</summary>
internal sealed class StateSettings
{
    /// <summary>Default age after which a deployment lock is reported stale even when its holder may be alive.</summary>
    public static readonly TimeSpan DefaultLockTtl = TimeSpan.FromHours(4);

    private StateSettings(string directory, StateStoreKind store, PostgresSettings? postgres, TimeSpan lockTtl)
    {
        Directory = directory;
        Store = store;
        Postgres = postgres;
        LockTtl = lockTtl;
    }

    /// <summary>Absolute path of the state directory (default: <c>.deployops</c> beside the configuration file).</summary>
    public string Directory { get; }
    public StateStoreKind Store { get; }
    /// <summary>The shared store's database when <see cref="Store"/> is Postgres (default: the top-level postgres).</summary>
    public PostgresSettings? Postgres { get; }
    /// <summary><c>lockTtl</c>: a lock older than this is reported stale (default 4h).</summary>
    public TimeSpan LockTtl { get; }

    internal static StateSettings Read(ConfigMap? map, string configDirectory, PostgresSettings? appDatabase)
    {
        var directory = map?.String("directory") ?? ".deployops";
        var store = map?.Enum("store", StateStoreKind.File) ?? StateStoreKind.File;
        var postgres = PostgresSettings.Read(map?.Map("postgres")) ?? appDatabase;
        var lockTtl = map?.Duration("lockTtl", DefaultLockTtl) ?? DefaultLockTtl;
        if (store == StateStoreKind.Postgres && postgres is null)
            map!.Error("store", "store: postgres needs state.postgres or a top-level postgres section");
        map?.Finish();
        var full = Path.GetFullPath(Path.IsPathRooted(directory) ? directory : Path.Combine(configDirectory, directory));
        return new StateSettings(full, store, postgres, lockTtl);
    }

    public static StateSettings ForDirectory(string directory, TimeSpan? lockTtl = null) =>
        new(Path.GetFullPath(directory), StateStoreKind.File, null, lockTtl ?? DefaultLockTtl);

    /// <summary>Settings for a shared PostgreSQL store (tests, tools); the directory still holds audit and logs.</summary>
    public static StateSettings ForPostgres(string directory, PostgresSettings postgres, TimeSpan? lockTtl = null) =>
        new(Path.GetFullPath(directory), StateStoreKind.Postgres, postgres, lockTtl ?? DefaultLockTtl);
}
