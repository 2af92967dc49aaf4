namespace CGDmer.Deploy.Tests;

/// <summary>The repository's root (found upwards from the test binaries) and paths under it.</summary>
internal static class RepositoryRoot
{
    public static readonly string Path = Find();

    public static string Of(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "CGDmer.Streaming.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("CGDmer.Streaming.sln not found above " + AppContext.BaseDirectory);
    }
}
