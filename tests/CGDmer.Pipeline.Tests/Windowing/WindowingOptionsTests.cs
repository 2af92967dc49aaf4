using CGDmer.Pipeline.Windowing;
using static CGDmer.TestSupport.WindowTestData;

namespace CGDmer.Pipeline.Tests.Windowing;

public class WindowingOptionsTests
{
    [Fact]
    public void Defaults_are_valid_for_the_model_geometry()
    {
        var o = new WindowingOptions().Validate(Geometry);
        Assert.Equal(5, o.HopSeconds);
        Assert.Equal(2, o.ReorderBoundSeconds);
        Assert.Equal(30, o.SilentPatientTimeoutSeconds);
        Assert.Equal(2048, o.MaxPatients);
        Assert.Equal(0, o.MaxMissingFractionPerLead);
    }

    public static TheoryData<string, Action<WindowingOptions>> Invalid => new()
    {
        { nameof(WindowingOptions.HopSeconds), o => o.HopSeconds = 0 },
        { nameof(WindowingOptions.HopSeconds), o => o.HopSeconds = double.NaN },
        { nameof(WindowingOptions.HopSeconds), o => o.HopSeconds = 2.0005 },
        { nameof(WindowingOptions.ReorderBoundSeconds), o => o.ReorderBoundSeconds = -1 },
        { nameof(WindowingOptions.ReorderBoundSeconds), o => o.ReorderBoundSeconds = double.PositiveInfinity },
        { nameof(WindowingOptions.SilentPatientTimeoutSeconds), o => o.SilentPatientTimeoutSeconds = 0 },
        { nameof(WindowingOptions.MaxPatients), o => o.MaxPatients = 0 },
        { nameof(WindowingOptions.MaxMissingFractionPerLead), o => o.MaxMissingFractionPerLead = 1 },
        { nameof(WindowingOptions.MaxMissingFractionPerLead), o => o.MaxMissingFractionPerLead = -0.1 },
        { nameof(WindowingOptions.MinSignalCoverage), o => o.MinSignalCoverage = 1.5 },
        { nameof(WindowingOptions.MaxCachedSampleRates), o => o.MaxCachedSampleRates = 0 },
        { nameof(WindowingOptions.MaxCachedSampleRates), o => o.MaxCachedSampleRates = 5000 },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Invalid_option_is_named(string option, Action<WindowingOptions> change)
    {
        var o = new WindowingOptions();
        change(o);
        var ex = Assert.Throws<ArgumentException>(() => o.Validate());
        Assert.Equal(option, ex.ParamName);
    }

    [Theory]
    [InlineData(3)]      // does not divide the 10 s window
    [InlineData(20)]     // longer than the window: samples would be skipped
    [InlineData(0.005)]  // half a model sample at 100 Hz
    public void Hop_must_fit_the_model_window(double hop)
    {
        var o = new WindowingOptions { HopSeconds = hop };
        var ex = Assert.Throws<ArgumentException>(() => o.Validate(Geometry));
        Assert.Equal(nameof(WindowingOptions.HopSeconds), ex.ParamName);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2.5)]
    [InlineData(10)]
    public void Hops_that_divide_the_window_are_accepted(double hop) => new WindowingOptions { HopSeconds = hop }.Validate(Geometry);
}
