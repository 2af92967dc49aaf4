using CGDmer.Signal;
using CGDmer.Trainer.Data;
using CGDmer.Trainer.Training;

namespace CGDmer.Trainer.Tests;

public class SourceRepeatsTests
{
    private static WindowSet Set(params string[] sources)
    {
        var set = new WindowSet(10, EcgLabels.All, sources.Length);
        var rows = new float[]?[Leads.Count];
        rows[(int)Lead.I] = new float[10];
        for (int k = 0; k < sources.Length; k++)
            set.Add(rows, [EcgLabels.SinusRhythm], [EcgLabels.SinusRhythm], "", $"{sources[k]}-{k}", sources[k], default);
        return set;
    }

    [Fact]
    public void A_named_source_s_windows_are_repeated_in_place_and_the_others_kept_once()
    {
        var set = Set("cinc2017", "mitbih", "aftdb", "mitbih", "synthetic");
        int[] train = [4, 1, 0, 3, 2];

        var expanded = Prober.WithSourceRepeats(set, train, new Dictionary<string, int> { ["mitbih"] = 3, ["aftdb"] = 2 });

        Assert.Equal([4, 1, 1, 1, 0, 3, 3, 3, 2, 2], expanded);
    }

    [Fact]
    public void Without_repeats_the_training_windows_are_the_same_array()
    {
        var set = Set("cinc2017", "mitbih");
        int[] train = [1, 0];
        Assert.Same(train, Prober.WithSourceRepeats(set, train, null));
        Assert.Same(train, Prober.WithSourceRepeats(set, train, new Dictionary<string, int> { ["mitbih"] = 1 }));
    }
}
