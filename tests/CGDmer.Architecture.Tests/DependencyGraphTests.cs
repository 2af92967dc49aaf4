using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace CGDmer.Architecture.Tests;

/// <summary>
/// The project graph that docs/architecture.md draws is the one the project files declare, and it keeps the layering:
/// production code (src/) references only production code and the evaluation library (the replay verb scores a run
/// against a record's annotations with it), never benchmarks, test support or tests.
/// </summary>
public partial class DependencyGraphTests
{
    private static readonly string Root = FindRoot();

    /// <summary>Every project that is not a test suite: src/, bench/, evaluation/ and the shared test support.</summary>
    private static readonly IReadOnlyList<Project> Projects = LoadProjects();

    [Fact]
    public void The_documented_graph_matches_the_project_references()
    {
        var documented = DocumentedEdges().ToHashSet();
        var declared = Projects.SelectMany(p => p.References.Select(r => (p.Node, Node(r)))).ToHashSet();
        var undocumented = declared.Except(documented).Select(e => $"{e.Item1} --> {e.Item2}").Order(StringComparer.Ordinal).ToList();
        var stale = documented.Except(declared).Select(e => $"{e.Item1} --> {e.Item2}").Order(StringComparer.Ordinal).ToList();
        Assert.True(undocumented.Count == 0 && stale.Count == 0,
            $"docs/architecture.md and the project files disagree.\nreferenced but not drawn: {string.Join("; ", undocumented)}\n" +
            $"drawn but not referenced: {string.Join("; ", stale)}");
    }

    [Fact]
    public void Every_project_is_in_the_documented_graph()
    {
        var drawn = DocumentedEdges().SelectMany(e => new[] { e.From, e.To }).ToHashSet();
        Assert.Empty(Projects.Where(p => !drawn.Contains(p.Node)).Select(p => p.Name));
    }

    [Fact]
    public void Production_projects_reference_no_benchmark_test_support_or_test()
    {
        var offending = Projects.Where(p => p.Folder is "src" or "evaluation")
            .SelectMany(p => p.References.Where(r => !IsUnder(r, "src") && !IsUnder(r, "evaluation")).Select(r => $"{p.Name} -> {Path.GetRelativePath(Root, r)}"))
            .ToList();
        Assert.Empty(offending);
    }

    [Fact]
    public void The_streaming_service_never_loads_TorchSharp()
    {
        var host = Projects.Single(p => p.Name == "CGDmer.Streaming.Host");
        var closure = Closure(host).ToList();
        Assert.DoesNotContain(closure, p => p.Packages.Any(k => k.StartsWith("TorchSharp", StringComparison.Ordinal) || k.StartsWith("libtorch", StringComparison.Ordinal)));
        Assert.Contains(closure, p => p.Name == "CGDmer.Pipeline");   // the closure is real
    }

    [Fact]
    public void The_pipeline_core_builds_without_native_libraries()
    {
        var pipeline = Projects.Single(p => p.Name == "CGDmer.Pipeline");
        Assert.DoesNotContain(Closure(pipeline).SelectMany(p => p.Packages), k => k.StartsWith("Microsoft.ML.OnnxRuntime", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_project_is_in_the_solution()
    {
        var solution = File.ReadAllText(Path.Combine(Root, "CGDmer.Streaming.sln")).Replace('\\', '/');
        var all = Directory.EnumerateFiles(Root, "*.csproj", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .Select(f => Path.GetRelativePath(Root, f).Replace('\\', '/'))
            .Where(f => f.Split('/')[0] is "src" or "bench" or "evaluation" or "tests");
        Assert.All(all, f => Assert.Contains(f, solution, StringComparison.Ordinal));
    }

    private sealed record Project(string Name, string Path, string Folder, IReadOnlyList<string> References, IReadOnlyList<string> Packages)
    {
        public string Node => DependencyGraphTests.Node(Path);
    }

    private static IEnumerable<Project> Closure(Project start)
    {
        var byPath = Projects.ToDictionary(p => p.Path);
        var seen = new HashSet<string>();
        var stack = new Stack<Project>([start]);
        while (stack.TryPop(out var p))
        {
            if (!seen.Add(p.Path)) continue;
            yield return p;
            foreach (var r in p.References) if (byPath.TryGetValue(r, out var q)) stack.Push(q);
        }
    }

    /// <summary>Mermaid node id of a project file: its name without "CGDmer.", dots as underscores.</summary>
    private static string Node(string csproj) =>
        System.IO.Path.GetFileNameWithoutExtension(csproj).Replace("CGDmer.", "", StringComparison.Ordinal).Replace('.', '_');

    private static IEnumerable<(string From, string To)> DocumentedEdges()
    {
        var text = File.ReadAllText(Path.Combine(Root, "docs", "architecture.md"));
        var block = MermaidBlock().Match(text);
        Assert.True(block.Success, "docs/architecture.md has no ```mermaid block");
        foreach (Match m in Edge().Matches(block.Groups[1].Value)) yield return (m.Groups[1].Value, m.Groups[2].Value);
    }

    private static List<Project> LoadProjects()
    {
        var files = new[] { "src", "bench", "evaluation" }
            .Where(d => Directory.Exists(Path.Combine(Root, d)))
            .SelectMany(d => Directory.EnumerateFiles(Path.Combine(Root, d), "*.csproj", SearchOption.AllDirectories))
            .Append(Path.Combine(Root, "tests", "CGDmer.TestSupport", "CGDmer.TestSupport.csproj"))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"));
        return files.Select(f =>
        {
            var xml = XDocument.Load(f);
            var dir = Path.GetDirectoryName(f)!;
            var refs = xml.Descendants("ProjectReference")
                .Select(e => Path.GetFullPath(Path.Combine(dir, e.Attribute("Include")!.Value.Replace('\\', Path.DirectorySeparatorChar))))
                .ToList();
            var packages = xml.Descendants("PackageReference").Select(e => e.Attribute("Include")!.Value).ToList();
            var folder = Path.GetRelativePath(Root, f).Split(Path.DirectorySeparatorChar)[0];
            return new Project(Path.GetFileNameWithoutExtension(f), Path.GetFullPath(f), folder, refs, packages);
        }).ToList();
    }

    private static bool IsUnder(string path, string folder) =>
        Path.GetRelativePath(Root, path).Split(Path.DirectorySeparatorChar)[0] == folder;

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "CGDmer.Streaming.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("CGDmer.Streaming.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"```mermaid\s*\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex MermaidBlock();

    [GeneratedRegex(@"^\s*(\w+)\s*-->\s*(\w+)\s*$", RegexOptions.Multiline)]
    private static partial Regex Edge();
}
