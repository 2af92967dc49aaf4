using CGDmer.Model.Layers;
using static TorchSharp.torch;

namespace CGDmer.Model.Tests;

public class MasksTests
{
    [Fact]
    public void MeanOfKept_averages_only_the_kept_entries_of_every_row()
    {
        using var values = tensor(new float[] { 1, 2, 3, 4, 10, 20 }, [2, 3]);
        using var keep = tensor(new float[] { 1, 0, 1, 0, 1, 0 }, [2, 3]);
        Assert.Equal((1f + 3 + 10) / 3, Masks.MeanOfKept(values, keep).item<float>(), 6);
    }

    [Fact]
    public void MeanOfKept_is_zero_when_nothing_is_kept()
    {
        using var values = tensor(new float[] { 5, -7 });
        using var keep = zeros(2);
        Assert.Equal(0f, Masks.MeanOfKept(values, keep).item<float>());
    }

    [Fact]
    public void MaskedMean_averages_each_row_over_its_kept_tokens()
    {
        // [B=2, T=2, D=1]: row 0 keeps both tokens, row 1 keeps none.
        using var x = tensor(new float[] { 2, 4, 6, 8 }, [2, 2, 1]);
        using var keep = tensor(new float[] { 1, 1, 0, 0 }, [2, 2]);
        Assert.Equal(new[] { 3f, 0f }, Masks.MaskedMean(x, keep).data<float>().ToArray());
    }
}
