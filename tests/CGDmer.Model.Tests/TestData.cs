using CGDmer.Trainer.Data;
using CGDmer.Signal;

namespace CGDmer.Model.Tests;

internal static class TestData
{
    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CGDmer.Streaming.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new DirectoryNotFoundException("CGDmer.Streaming.sln not found above the test assembly.");
        }
    }

    public static string MitBih(string record) => Path.Combine(RepoRoot, "data", "mitbih", record);

    public static WindowSet Synthetic(int count, CgDmerConfig cfg, int seed = 500, double twoLead = 0.3)
    {
        var set = new WindowSet(cfg.WindowSamples, EcgLabels.All);
        SyntheticWindows.Add(set, cfg.SampleRateHz, new SyntheticWindows.Options { Count = count, BaseSeed = seed, TwoLeadShare = twoLead });
        return set;
    }
}
