namespace CGDmer.Signal.Tests;

/// <summary>Locates repository data: walks up from the test assembly to the folder holding CGDmer.Streaming.sln.</summary>
internal static class TestPaths
{
    private static readonly Lazy<string> Root = new(() =>
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CGDmer.Streaming.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("CGDmer.Streaming.sln not found above " + AppContext.BaseDirectory);
    });

    public static string RepoRoot => Root.Value;
    public static string MitBih => Path.Combine(RepoRoot, "data", "mitbih");
    public static string Record(string name) => Path.Combine(MitBih, name);
    /// <summary>The four CinC 2017 records shipped in data/cinc2017 (one per class) and their REFERENCE.csv.</summary>
    public static string Cinc2017 => Path.Combine(RepoRoot, "data", "cinc2017");
    /// <summary>The two AFTDB records shipped in data/aftdb, in the dataset's set folders.</summary>
    public static string Aftdb => Path.Combine(RepoRoot, "data", "aftdb");
    public static string PtbXlFixture => Path.Combine(RepoRoot, "tests", "CGDmer.Signal.Tests", "Fixtures", "ptbxl");
    /// <summary>CinC 2017 record A00056 (noisy), the detector's regression fixture.</summary>
    public static string Cinc2017Fixture(string record) => Path.Combine(RepoRoot, "tests", "CGDmer.Signal.Tests", "Fixtures", "cinc2017", record);

    /// <summary>The full MIT-BIH DS1 set shared between worktrees (../shared/data/mitbih-ds1 from the repo root), or null when absent.</summary>
    public static string? SharedMitBihDs1 => Shared("mitbih-ds1");

    /// <summary>The full CinC 2017 set (../shared/data/cinc2017), or null when absent.</summary>
    public static string? SharedCinc2017 => Shared("cinc2017");

    /// <summary>The full AFTDB (../shared/data/aftdb), or null when absent.</summary>
    public static string? SharedAftdb => Shared("aftdb");

    private static string? Shared(string name)
    {
        // ../shared next to the repository; a git worktree may sit one or two levels deeper, so look further up too.
        var dir = Directory.GetParent(RepoRoot);
        for (int up = 0; up < 3 && dir is not null; up++, dir = dir.Parent)
        {
            var p = Path.Combine(dir.FullName, "shared", "data", name);
            if (Directory.Exists(p)) return p;
        }
        return null;
    }

    public static string TempDir()
    {
        var d = Path.Combine(Path.GetTempPath(), "cgdmer-signal-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }
}
