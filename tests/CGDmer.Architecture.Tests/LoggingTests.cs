using System.Text.RegularExpressions;

namespace CGDmer.Architecture.Tests;

/// <summary>
/// Production code logs through source-generated [LoggerMessage] methods only, each with an event id of its own, so an
/// operator can alert on an event id that keeps its meaning across releases.
/// </summary>
public partial class LoggingTests
{
    private static readonly IReadOnlyList<(string File, string Text)> Sources =
        Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .Select(f => (Path.GetRelativePath(RepositoryRoot.Path, f), File.ReadAllText(f)))
            .ToList();

    [Fact]
    public void No_production_code_calls_the_logging_extension_methods_directly()
    {
        var direct = Sources.SelectMany(s => DirectCall().Matches(s.Text).Select(m => $"{s.File}: {m.Value}")).ToList();
        Assert.Empty(direct);
    }

    [Fact]
    public void Every_log_event_has_an_id_of_its_own_in_its_projects_range()
    {
        var events = Sources.SelectMany(s => EventId().Matches(s.Text).Select(m => (s.File, Id: int.Parse(m.Groups[1].Value)))).ToList();
        Assert.True(events.Count >= 40, $"only {events.Count} [LoggerMessage] events found");
        var duplicates = events.GroupBy(e => e.Id).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(e => e.File))}").ToList();
        Assert.Empty(duplicates);
        // One block of 100 ids per project, no block shared: an event's id says which project raised it.
        var blocks = events.GroupBy(e => e.File.Split(Path.DirectorySeparatorChar)[1])
            .ToDictionary(g => g.Key, g => g.Select(e => e.Id / 100).Distinct().ToList());
        Assert.All(blocks, kv => Assert.True(kv.Value.Count == 1, $"{kv.Key} uses id blocks {string.Join(", ", kv.Value.Select(b => b + "xx"))}"));
        Assert.Equal(blocks.Count, blocks.Values.Select(b => b[0]).Distinct().Count());
    }

    [GeneratedRegex(@"\.Log(Trace|Debug|Information|Warning|Error|Critical)\(")]
    private static partial Regex DirectCall();

    [GeneratedRegex(@"\[LoggerMessage\(\s*EventId\s*=\s*(\d+)")]
    private static partial Regex EventId();
}

internal static class RepositoryRoot
{
    public static readonly string Path = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "CGDmer.Streaming.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("CGDmer.Streaming.sln not found above " + AppContext.BaseDirectory);
    }
}
