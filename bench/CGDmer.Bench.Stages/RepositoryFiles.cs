namespace CGDmer.Bench.Stages;

/// <summary>The repository's records and model, found upwards from the running binary (BenchmarkDotNet runs each
/// benchmark in a child build below this project's output).</summary>
public static class RepositoryFiles
{
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "CGDmer.Streaming.sln"))) return dir.FullName;
            throw new DirectoryNotFoundException("CGDmer.Streaming.sln not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>MIT-BIH record 201 (two leads, 360 Hz, with atrial fibrillation), shipped in data/mitbih.</summary>
    public static string MitBih201 => Path.Combine(Root, "data", "mitbih", "201");

    public static string ShippedModel => Path.Combine(Root, "models", "cgdmer-small.onnx");
}
