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

    public static TheoryData<string, Action<WindowingOptions>> InvalidBeatStream => new()
    {
        { nameof(WindowingOptions.BeatStreamLeads), o => o.BeatStreamLeads = -1 },
        { nameof(WindowingOptions.BeatStreamLeads), o => o.BeatStreamLeads = 13 },
        { nameof(WindowingOptions.BeatWarmUpSeconds), o => { o.HopSeconds = 1; o.BeatWarmUpSeconds = 1; } },   // shorter than the detector's learning
        { nameof(WindowingOptions.BeatWarmUpSeconds), o => o.BeatWarmUpSeconds = 7 },                          // not whole hops
        { nameof(WindowingOptions.BeatEpochSeconds), o => o.BeatEpochSeconds = 10 },                           // no longer than the warm-up
        { nameof(WindowingOptions.BeatEpochSeconds), o => o.BeatEpochSeconds = 62 },                           // not whole hops
    };

    [Theory]
    [MemberData(nameof(InvalidBeatStream))]
    public void Invalid_beat_stream_option_is_named_against_the_models_geometry(string option, Action<WindowingOptions> change)
    {
        var o = new WindowingOptions { BeatStreamLeads = 2 };
        change(o);
        var ex = Assert.Throws<ArgumentException>(() => o.Validate(Geometry));
        Assert.Equal(option, ex.ParamName);
    }

    [Theory]
    [InlineData("rr-v5")]
    [InlineData("rr-v6")]
    [InlineData("rr-v8")]
    [InlineData("rr-v10")]
    public void A_model_whose_features_read_the_beat_stream_needs_it_on(string features)
    {
        var ex = Assert.Throws<ArgumentException>(() => new WindowingOptions { BeatStreamLeads = 0 }.Validate(Geometry, features));
        Assert.Equal(nameof(WindowingOptions.BeatStreamLeads), ex.ParamName);
        Assert.Contains(features, ex.Message);
        new WindowingOptions { BeatStreamLeads = 2 }.Validate(Geometry, features);
        new WindowingOptions { BeatStreamLeads = 0 }.Validate(Geometry, "rr-v4");
    }

    [Theory]
    [InlineData(1, "rr-v6")]
    [InlineData(3, "rr-v6")]
    [InlineData(1, "rr-v8")]
    [InlineData(3, "rr-v10")]
    public void A_model_measured_on_the_beat_stream_needs_the_leads_it_was_trained_with_streamed(int leads, string features)
    {
        var ex = Assert.Throws<ArgumentException>(() => new WindowingOptions { BeatStreamLeads = leads }.Validate(Geometry, features));
        Assert.Equal(nameof(WindowingOptions.BeatStreamLeads), ex.ParamName);
        Assert.Contains("must be 2", ex.Message);
        new WindowingOptions { BeatStreamLeads = leads }.Validate(Geometry, "rr-v5");   // context only: any count streams it
    }

    [Fact]
    public void Unset_the_beat_stream_follows_the_models_rhythm_features()
    {
        var unset = new WindowingOptions();
        Assert.Null(unset.BeatStreamLeads);
        Assert.Equal(2, unset.StreamedLeadsFor("rr-v8"));
        Assert.Equal(2, unset.StreamedLeadsFor("rr-v6"));
        Assert.Equal(2, unset.StreamedLeadsFor("rr-v5"));
        Assert.Equal(0, unset.StreamedLeadsFor("rr-v7"));
        Assert.Equal(0, unset.StreamedLeadsFor(""));
        Assert.Equal(0, unset.StreamedLeadsFor(null));
        unset.Validate(Geometry, "rr-v8");
        unset.Validate(Geometry, "rr-v7");
        Assert.Equal(2, unset.ForModel("rr-v8").BeatStreamLeads);
        Assert.Equal(0, unset.ForModel("rr-v7").BeatStreamLeads);
        Assert.Null(unset.BeatStreamLeads);   // a copy: the configured options stay as they are
        // A setting wins over the model: streamed for a model that does not read it, or refused where the model needs it.
        Assert.Equal(1, new WindowingOptions { BeatStreamLeads = 1 }.StreamedLeadsFor("rr-v7"));
        Assert.Equal(1, new WindowingOptions { BeatStreamLeads = 1 }.ForModel("rr-v8").BeatStreamLeads);
        var ex = Assert.Throws<ArgumentException>(() => new WindowingOptions { BeatStreamLeads = 0 }.Validate(Geometry, "rr-v8"));
        Assert.Contains("or unset", ex.Message);
        // Unset, the stream's own settings are checked: a model may turn it on.
        ex = Assert.Throws<ArgumentException>(() => new WindowingOptions { BeatEpochSeconds = 1 }.Validate(Geometry));
        Assert.Equal(nameof(WindowingOptions.BeatEpochSeconds), ex.ParamName);
    }

    [Fact]
    public void With_the_beat_stream_off_its_epoch_and_warm_up_are_not_checked() =>
        new WindowingOptions { BeatStreamLeads = 0, BeatWarmUpSeconds = 7, BeatEpochSeconds = 1 }.Validate(Geometry);

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
