using Microsoft.Data.Sqlite;
using Npgsql;

namespace LatentCycles.Training;

public enum StoreKind { Sqlite, PostgreSql }

/// <summary>
/// Where a run's checkpoints live (Akka.Persistence.Sql journal and snapshot tables): an SQLite file (one per run
/// directory, the default) or a PostgreSQL database (shared by the machines of a cluster, so a coordinator restarted on
/// another machine resumes from it). One run per store: the coordinator's persistence id is fixed.
/// </summary>
/// <param name="ConnectionString">For the driver (Microsoft.Data.Sqlite or Npgsql).</param>
/// <param name="Display">How messages name the store: the file path, or the PostgreSQL address without the password.</param>
public sealed record StoreLocation(StoreKind Kind, string ConnectionString, string Display)
{
    /// <summary>The SQLite file at <paramref name="path"/> (made absolute).</summary>
    public static StoreLocation Sqlite(string path)
    {
        var full = Path.GetFullPath(path);
        return new StoreLocation(StoreKind.Sqlite, new SqliteConnectionStringBuilder { DataSource = full }.ConnectionString, full);
    }

    /// <summary>
    /// Reads <c>--store</c>: <c>sqlite:PATH</c>, <c>postgres://user:password@host[:port]/database</c> (also
    /// <c>postgresql://</c>; user and password URL-encoded), an Npgsql connection string (<c>Host=…;Database=…</c>), or a
    /// plain path (SQLite).
    /// </summary>
    /// <exception cref="ArgumentException">the text is none of these, with a one-line reason.</exception>
    public static StoreLocation Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new ArgumentException("--store must not be empty");
        if (text.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase))
        {
            var path = text["sqlite:".Length..];
            if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException("--store sqlite: needs the path of the SQLite file (sqlite:PATH)");
            return Sqlite(path);
        }
        if (text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
            return PostgresUrl(text);
        if (text.Contains('=') && text.Contains("host", StringComparison.OrdinalIgnoreCase)) return Postgres(NpgsqlBuilder(text));
        return Sqlite(text);
    }

    /// <summary>The store given by <c>--store</c>, or the run directory's run.db.</summary>
    public static StoreLocation For(string runDirectory, string? store) =>
        store is null ? Sqlite(Path.Combine(runDirectory, RunDirectory.StoreFileName)) : Parse(store);

    public override string ToString() => Display;

    private static StoreLocation PostgresUrl(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            throw new ArgumentException($"--store: '{Redact(text)}' is not a postgres://user:password@host:port/database address");
        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length == 0 || database.Contains('/')) throw new ArgumentException($"--store: '{Redact(text)}' names no database (…/database)");
        if (uri.Query.Length > 0) throw new ArgumentException("--store: a postgres:// address takes no ?options; use an Npgsql connection string (Host=…;Database=…;…) for them");
        var user = uri.UserInfo.Split(':', 2);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port,
            Database = database,
        };
        if (user[0].Length > 0) builder.Username = Uri.UnescapeDataString(user[0]);
        if (user.Length > 1) builder.Password = Uri.UnescapeDataString(user[1]);
        return Postgres(builder);
    }

    private static NpgsqlConnectionStringBuilder NpgsqlBuilder(string text)
    {
        try
        {
            return new NpgsqlConnectionStringBuilder(text);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException)
        {
            throw new ArgumentException($"--store: not a valid Npgsql connection string ({e.Message.Split('\n')[0]})");
        }
    }

    private static StoreLocation Postgres(NpgsqlConnectionStringBuilder builder)
    {
        if (string.IsNullOrEmpty(builder.Host) || string.IsNullOrEmpty(builder.Database))
            throw new ArgumentException("--store: a PostgreSQL store needs a host and a database");
        var user = string.IsNullOrEmpty(builder.Username) ? "" : builder.Username + "@";
        return new StoreLocation(StoreKind.PostgreSql, builder.ConnectionString, $"postgres://{user}{builder.Host}:{builder.Port}/{builder.Database}");
    }

    /// <summary>The text with any password in a URL's user info replaced, for error messages.</summary>
    private static string Redact(string text)
    {
        var at = text.LastIndexOf('@');
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (at < 0 || scheme < 0) return text;
        var colon = text.IndexOf(':', scheme + 3);
        return colon >= 0 && colon < at ? text[..(colon + 1)] + "***" + text[at..] : text;
    }
}
