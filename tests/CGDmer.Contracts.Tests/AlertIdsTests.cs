using System.Globalization;
using FsCheck.Xunit;

namespace CGDmer.Contracts.Tests;

public class AlertIdsTests
{
    [Property(MaxTest = 2000)]
    public bool Times_are_written_as_the_custom_format_writes_them(long ticks, short offsetMinutes)
    {
        // Any instant the type holds, at any offset: the digit writer must give the format string's text exactly
        // (milliseconds truncated, years zero-padded to four digits).
        var utc = new DateTime(Math.Abs(ticks % DateTime.MaxValue.Ticks), DateTimeKind.Utc);
        var offset = TimeSpan.FromMinutes(offsetMinutes % (14 * 60));
        var local = utc.Ticks + offset.Ticks;
        if (local < DateTime.MinValue.Ticks || local > DateTime.MaxValue.Ticks) return true;
        var time = new DateTimeOffset(utc).ToOffset(offset);
        return AlertIds.FormatTime(time) == time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
    }

    [Theory]
    [InlineData("0001-01-01T00:00:00.000Z")]
    [InlineData("2026-01-01T08:00:05.999Z")]
    [InlineData("9999-12-31T23:59:59.999Z")]
    public void Edge_instants_round_trip(string text)
    {
        var time = DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        Assert.Equal(text, AlertIds.FormatTime(time));
        Assert.Equal(text, AlertIds.FormatTime(time.AddTicks(9_999)));   // below the millisecond: truncated
    }
}
