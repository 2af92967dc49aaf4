using CGDmer.Transports.Hl7.Er7;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CGDmer.Transports.Hl7.Tests;

public class Er7Tests
{
    [Fact]
    public void Delimiters_and_line_breaks_are_escaped()
    {
        Assert.Equal(@"a\F\b\S\c\T\d\R\e\E\f\X0D\\X0A\\X09\", Er7.Er7.Escape("a|b^c&d~e\\f\r\n\t"));
        Assert.Equal("plain text 72/min", Er7.Er7.Escape("plain text 72/min"));
    }

    [Fact]
    public void Other_control_characters_are_refused_by_name()
    {
        var e = Assert.Throws<ArgumentException>(() => Er7.Er7.Escape("bad\u0001value"));
        Assert.Contains("U+0001", e.Message);
        Assert.Throws<ArgumentException>(() => Er7.Er7.Escape("\u000b"));   // MLLP's start block inside a value
    }

    [Property(MaxTest = 300)]
    public Property Escaped_text_holds_no_delimiter_and_unescapes_to_itself()
    {
        var printable = Gen.Elements("ab|^~\\&\r\n\t 0é€😀".EnumerateRunes().Select(r => r.ToString()).ToArray())
            .ArrayOf().Select(parts => string.Concat(parts));
        return Prop.ForAll(printable.ToArbitrary(), text =>
        {
            string escaped = Er7.Er7.Escape(text);
            return escaped.IndexOfAny(['|', '^', '~', '&', '\r', '\n']) < 0 && Er7.Er7.Unescape(escaped) == text;
        });
    }

    [Fact]
    public void Segments_skip_unset_fields_and_drop_trailing_empty_ones()
    {
        var obx = new Er7Segment("OBX").Field(1, "1").Field(3, "147842", "MDC_ECG_HEART_RATE", "MDC").Field(5, "72", null, null).Field(8, (string?)null);
        Assert.Equal("OBX|1||147842^MDC_ECG_HEART_RATE^MDC||72", obx.ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => new Er7Segment("OBX").Field(3, "a").Field(2, "b"));
        Assert.Throws<ArgumentException>(() => new Er7Segment("obx"));
    }

    [Fact]
    public void The_message_builder_writes_MSH_1_and_2_and_terminates_segments_with_CR()
    {
        var msh = new Er7Segment("MSH").Field(3, "CGDMER").Field(9, "ORU", "R01", "ORU_R01").Field(10, "ID1");
        string text = new Er7MessageBuilder(msh).Add(new Er7Segment("PID").Field(3, "p|1")).ToString();
        Assert.Equal("MSH|^~\\&|CGDMER||||||ORU^R01^ORU_R01|ID1\rPID|||p\\F\\1\r", text);
        Assert.Throws<ArgumentException>(() => new Er7MessageBuilder(new Er7Segment("MSH").Field(1, "|").Field(3, "x")));
    }

    [Fact]
    public void Timestamps_are_UTC_DTM_to_the_millisecond_and_numbers_invariant()
    {
        Assert.Equal("20261204183005.250+0000", Er7.Er7.Timestamp(new DateTimeOffset(2026, 12, 4, 19, 30, 5, 250, TimeSpan.FromHours(1))));
        Assert.Equal("72.4", Er7.Er7.Number(72.44, 1));
        Assert.Equal("0.935", Er7.Er7.Number(0.9349999, 3));
        Assert.Equal("60", Er7.Er7.Number(60.0, 1));
        Assert.Throws<ArgumentException>(() => Er7.Er7.Number(double.NaN, 1));
    }
}
