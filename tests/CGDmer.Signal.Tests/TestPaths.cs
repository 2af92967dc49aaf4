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
    public static string PtbXlFixture => Path.Combine(RepoRoot, "tests", "CGDmer.Signal.Tests", "Fixtures", "ptbxl");

    /// <summary>The full MIT-BIH DS1 set shared between worktrees (../shared/data/mitbih-ds1 from the repo root), or null when absent.</summary>
    public static string? SharedMitBihDs1
    {
        get
        {
            // ../shared next to the repository; a git worktree may sit one or two levels deeper, so look further up too.
            var dir = Directory.GetParent(RepoRoot);
            for (int up = 0; up < 3 && dir is not null; up++, dir = dir.Parent)
            {
                var p = Path.Combine(dir.FullName, "shared", "data", "mitbih-ds1");
                if (Directory.Exists(p)) return p;
            }
            return null;
        }
    }

    public static string TempDir()
    {
        var d = Path.Combine(Path.GetTempPath(), "cgdmer-signal-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }
}
