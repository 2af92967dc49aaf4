using CGDmer.Signal.Wfdb;

namespace CGDmer.Signal.Tests;

public class WfdbHeaderTests
{
    [Fact]
    public void Parses_mitbih_header()
    {
        var h = WfdbHeaderParser.Parse(File.ReadAllText(TestPaths.Record("201") + ".hea"), "201.hea");
        Assert.Equal("201", h.RecordName);
        Assert.Equal(2, h.SignalCount);
        Assert.Equal(360.0, h.SampleRateHz);
        Assert.Equal(650000, h.SampleCount);
        var s0 = h.Signals[0];
        Assert.Equal("201.dat", s0.FileName);
        Assert.Equal(WfdbStorageFormat.Format212, s0.Format);
        Assert.Equal(200.0, s0.Gain);
        Assert.Equal(1024, s0.Baseline); // no "(baseline)": defaults to adczero
        Assert.Equal(1024, s0.AdcZero);
        Assert.Equal(11, s0.AdcResolution);
        Assert.Equal(972, s0.InitialValue);
        Assert.Equal(-519, s0.Checksum);
        Assert.Equal("MLII", s0.Description);
        Assert.Equal("V1", h.Signals[1].Description);
        Assert.Equal(30947, h.Signals[1].Checksum);
        Assert.Contains(h.Comments, c => c.StartsWith("68 M"));
        Assert.Equal(4, h.Comments.Count);
    }

    [Fact]
    public void Parses_ptbxl_style_gain_with_baseline_and_units()
    {
        var h = WfdbHeaderParser.Parse("00001_lr 12 100 1000\n" + string.Concat(Enumerable.Range(0, 12).Select(i =>
            $"00001_lr.dat 16 1000.0(-3)/mV 16 0 -119 1508 0 L{i}\n")), "x.hea");
        Assert.Equal(12, h.SignalCount);
        Assert.Equal(1000.0, h.Signals[0].Gain);
        Assert.Equal(-3, h.Signals[0].Baseline);
        Assert.Equal(0, h.Signals[0].AdcZero);
        Assert.Equal("mV", h.Signals[0].Units);
        Assert.Equal((5 + 3) / 1000.0, h.Signals[0].ToPhysical(5), 12);
    }

    [Fact]
    public void Optional_fields_take_wfdb_defaults()
    {
        var h = WfdbHeaderParser.Parse("rec 1\nrec.dat 212\n", "rec.hea");
        Assert.Equal(250.0, h.SampleRateHz);
        Assert.Equal(0, h.SampleCount);
        var s = h.Signals[0];
        Assert.Equal(200.0, s.Gain);
        Assert.True(s.GainWasDefaulted);
        Assert.Equal("mV", s.Units);
        Assert.Equal(12, s.AdcResolution);
        Assert.Null(s.InitialValue);
        Assert.Null(s.Checksum);
        Assert.Equal("", s.Description);
    }

    [Fact]
    public void Gain_zero_means_default_and_units_without_baseline()
    {
        var h = WfdbHeaderParser.Parse("r 1 500 10\nr.dat 16 0/uV 16 5 1 2 0 ECG lead V2\n", "r.hea");
        Assert.Equal(200.0, h.Signals[0].Gain);
        Assert.Equal("uV", h.Signals[0].Units);
        Assert.Equal(5, h.Signals[0].Baseline);
        Assert.Equal("ECG lead V2", h.Signals[0].Description);
    }

    [Fact]
    public void Parses_base_time_date_counter_frequency_and_comments_anywhere()
    {
        var h = WfdbHeaderParser.Parse("# leading comment\n\nr 2 360/720(0) 100 12:34:56.5 01/02/2003\r\nr.dat 212 200 # trailing\nr.dat 212 200\n# end\n", "r.hea");
        Assert.Equal(360.0, h.SampleRateHz);
        Assert.Equal(new TimeOnly(12, 34, 56, 500), h.BaseTime);
        Assert.Equal(new DateOnly(2003, 2, 1), h.BaseDate);
        Assert.Equal(new DateTimeOffset(2003, 2, 1, 12, 34, 56, 500, TimeSpan.Zero), h.StartTime);
        Assert.Equal(["leading comment", "end"], h.Comments);
    }

    [Fact]
    public void Format_with_offset_is_parsed()
    {
        var h = WfdbHeaderParser.Parse("r 1 100 10\nr.dat 16+24 100\n", "r.hea");
        Assert.Equal(24, h.Signals[0].ByteOffset);
    }

    [Theory]
    [InlineData("", "no record line")]
    [InlineData("r", "number of signals")]
    [InlineData("r x", "number of signals")]
    [InlineData("r 2 360 100\nr.dat 212\n", "only 1 signal lines")]
    [InlineData("r 1 abc\nr.dat 212\n", "sampling frequency")]
    [InlineData("r 1 360 -5\nr.dat 212\n", "number of samples")]
    [InlineData("r 1 360\nr.dat 310\n", "format 310 is not supported")]
    [InlineData("r 1 360\nr.dat 212 200(x)/mV\n", "baseline")]
    [InlineData("r 1 360\nr.dat 212 abc\n", "gain")]
    [InlineData("r 1 360\nr.dat 212 200 12 0 q\n", "initial value")]
    [InlineData("r/3 1 360\n", "multi-segment")]
    [InlineData("r 1 360\nr.dat 16x2\n", "more than one sample per frame")]
    [InlineData("r 1 360 10 25:00:00\nr.dat 16\n", "base time")]
    [InlineData("r 1 360 10 NaN\nr.dat 16\n", "base time")] // found by the property test
    [InlineData("r 1 NaN\nr.dat 16\n", "sampling frequency")]
    [InlineData("r 1 360 10 10:00:00 32/13/2000\nr.dat 16\n", "base date")]
    public void Malformed_headers_throw_naming_the_file(string text, string expected)
    {
        var e = Assert.Throws<WfdbFormatException>(() => WfdbHeaderParser.Parse(text, "bad.hea"));
        Assert.Equal("bad.hea", e.FileName);
        Assert.StartsWith("bad.hea:", e.Message);
        Assert.Contains(expected, e.Message);
    }
}
