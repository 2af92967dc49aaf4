using CGDmer.Signal.Wfdb;

namespace CGDmer.Evaluation.Tests.Ec57;

/// <summary>Beat lists for the EC57 tests, and the shared MIT-BIH DS1 folder.</summary>
internal static class Ec57TestData
{
    public const double Fs = 360;

    /// <summary>Record 201 in the repository (path without extension).</summary>
    public static string Record201 => Path.Combine(MeasurementTestData.MitBihFolder, "201");

    /// <summary>Beats every 0.8 s from 0.5 s, for <paramref name="seconds"/> seconds, as annotations of <paramref name="code"/>.</summary>
    public static List<Annotation> Regular(double seconds, int code = AnnotationCodes.Normal)
    {
        var list = new List<Annotation>();
        for (long s = 180; s < seconds * Fs; s += 288) list.Add(Beat(s, code));
        return list;
    }

    public static Annotation Beat(long sample, int code = AnnotationCodes.Normal) =>
        new(sample, AnnotationCodes.Symbol(code), code, 0, 0, 0, null);

    /// <summary>The same annotations moved by <paramref name="samples"/>.</summary>
    public static List<Annotation> Shifted(IEnumerable<Annotation> annotations, long samples) =>
        annotations.Select(a => a with { Sample = a.Sample + samples }).ToList();

    /// <summary>The full MIT-BIH DS1 set shared between worktrees (../shared/data/mitbih-ds1 above the repository), or null when absent.</summary>
    public static string? SharedMitBihDs1
    {
        get
        {
            var root = new DirectoryInfo(AppContext.BaseDirectory);
            while (root is not null && !File.Exists(Path.Combine(root.FullName, "CGDmer.Streaming.sln"))) root = root.Parent;
            // ../shared next to the repository; a git worktree may sit one or two levels deeper, so look further up too.
            var dir = root?.Parent;
            for (int up = 0; up < 3 && dir is not null; up++, dir = dir.Parent)
            {
                var p = Path.Combine(dir.FullName, "shared", "data", "mitbih-ds1");
                if (Directory.Exists(p)) return p;
            }
            return null;
        }
    }
}
