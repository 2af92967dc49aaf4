using CGDmer.Pipeline.Validation;

namespace CGDmer.Pipeline.Tests;

public class OptionsTests
{
    [Fact]
    public void Defaults_match_the_contract()
    {
        var o = new SegmentValidationOptions().Validate();
        Assert.Equal(1u, o.SchemaVersion);
        Assert.Equal(64, o.MaxIdLength);
        Assert.Equal(50, o.MinSampleRateHz);
        Assert.Equal(2000, o.MaxSampleRateHz);
        Assert.Equal(30, o.MaxSegmentSeconds);
        Assert.Equal(12, o.MaxLeads);
        Assert.Equal(TimeSpan.FromMinutes(5), o.MaxFutureSkew);
        Assert.Equal(TimeSpan.FromHours(24), o.MaxPastAge);
        Assert.Equal(["V", "mV", "uV", "nV"], o.AllowedUnits);
    }

    public static TheoryData<Action<SegmentValidationOptions>, string> Bad => new()
    {
        { o => o.MinSampleRateHz = 0, nameof(SegmentValidationOptions.MinSampleRateHz) },
        { o => o.MinSampleRateHz = double.NaN, nameof(SegmentValidationOptions.MinSampleRateHz) },
        { o => o.MaxSampleRateHz = 10, nameof(SegmentValidationOptions.MaxSampleRateHz) },
        { o => o.MaxSegmentSeconds = 0, nameof(SegmentValidationOptions.MaxSegmentSeconds) },
        { o => o.MaxSegmentSeconds = 1e9, nameof(SegmentValidationOptions.MaxSegmentSeconds) },
        { o => o.MaxLeads = 0, nameof(SegmentValidationOptions.MaxLeads) },
        { o => o.MaxIdLength = 0, nameof(SegmentValidationOptions.MaxIdLength) },
        { o => o.MaxFutureSkew = TimeSpan.FromSeconds(-1), nameof(SegmentValidationOptions.MaxFutureSkew) },
        { o => o.MaxPastAge = TimeSpan.FromSeconds(-1), nameof(SegmentValidationOptions.MaxPastAge) },
        { o => o.AllowedUnits = [], nameof(SegmentValidationOptions.AllowedUnits) },
        { o => o.AllowedUnits = ["mV", "mmHg"], nameof(SegmentValidationOptions.AllowedUnits) },
        { o => o.SchemaVersion = 0, nameof(SegmentValidationOptions.SchemaVersion) },
    };

    [Theory]
    [MemberData(nameof(Bad))]
    public void Invalid_options_name_the_option(Action<SegmentValidationOptions> change, string name)
    {
        var o = new SegmentValidationOptions();
        change(o);
        Assert.Equal(name, Assert.ThrowsAny<ArgumentException>(() => o.Validate()).ParamName);
        Assert.Equal(name, Assert.ThrowsAny<ArgumentException>(() => new SegmentValidator(o)).ParamName);
    }

    [Fact]
    public void Custom_limits_apply()
    {
        var v = new SegmentValidator(new SegmentValidationOptions { MaxLeads = 1, AllowedUnits = ["mV", "V", "uV", "kV"] });
        var r = v.Validate(SegmentBuilder.Valid(), SegmentBuilder.Now);
        Assert.Equal(RejectionReason.TooManyLeads, r.Rejection!.Reason);
        var one = SegmentBuilder.OneLead(500, 3);
        one.Leads[0].Unit = "kV";
        one.Leads[0].Samples[0] = 1;
        Assert.Equal(1e6f, v.Validate(one, SegmentBuilder.Now).Segment!.Leads[0].SamplesMv[0]);
    }
}
