namespace CGDmer.Pipeline.Tests;

/// <summary>
/// Reference outputs committed next to the tests (Measurement/Golden, Publishing/Golden), written by the code before an
/// optimisation: a hot path rewritten for speed must reproduce them exactly. Set CGDMER_UPDATE_GOLDEN=1 to rewrite one
/// on purpose (a deliberate change of results), then review the diff.
/// </summary>
internal static class GoldenFiles
{
    public static bool Updating => Environment.GetEnvironmentVariable("CGDMER_UPDATE_GOLDEN") == "1";

    /// <summary>The golden file's path in the source tree (found upwards from the test binaries).</summary>
    public static string PathOf(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var project = Path.Combine(dir.FullName, "tests", "CGDmer.Pipeline.Tests");
            if (Directory.Exists(project)) return Path.Combine(project, relative);
        }
        throw new DirectoryNotFoundException("tests/CGDmer.Pipeline.Tests not found above the test binaries");
    }

    /// <summary>
    /// Compares <paramref name="actual"/> with the golden lines; the first difference names its line and shows what
    /// the line stands for now (<paramref name="details"/>, e.g. the text a stored hash was taken of).
    /// </summary>
    public static void AssertMatches(string relative, IReadOnlyList<string> actual, IReadOnlyList<string>? details = null)
    {
        var path = PathOf(relative);
        if (Updating)
        {
            File.WriteAllLines(path, actual);
            return;
        }
        var expected = File.ReadAllLines(path);
        for (int i = 0; i < Math.Min(expected.Length, actual.Count); i++)
            if (expected[i] != actual[i])
                Assert.Fail($"{relative} line {i + 1} differs:\nexpected {expected[i]}\nactual   {actual[i]}" +
                            (details is not null && i < details.Count ? $"\nnow: {details[i]}" : ""));
        Assert.Equal(expected.Length, actual.Count);
    }
}
