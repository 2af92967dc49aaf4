namespace CGDmer.Transports.Hl7.Tests;

public class Hl7OptionsTests
{
    [Fact]
    public void An_empty_section_is_valid_and_off()
    {
        var o = new Hl7Options().Validate();
        Assert.False(o.IsEnabled());
        Assert.Null(Hl7Sinks.Create(o));
    }

    [Theory]
    [InlineData("Endpoint", "no-port", "must be host:port")]
    [InlineData("Endpoint", "host:70000", "must be host:port")]
    [InlineData("Endpoint", "::1:2575", "must be host:port")]
    [InlineData("ProcessingId", "X", "P, T or D")]
    [InlineData("SendingApplication", "", "is required")]
    [InlineData("MaxInFlight", "0", "1..65536")]
    [InlineData("UseTls", "true", "needs Hl7:Endpoint")]
    public void A_bad_setting_is_named(string option, string value, string problem)
    {
        var o = new Hl7Options();
        var p = typeof(Hl7Options).GetProperty(option)!;
        p.SetValue(o, p.PropertyType == typeof(string) ? value : Convert.ChangeType(value, p.PropertyType, System.Globalization.CultureInfo.InvariantCulture));
        var e = Assert.Throws<ArgumentException>(() => o.Validate());
        Assert.Equal(option, e.ParamName);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void Both_an_endpoint_and_a_file_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => new Hl7Options { Endpoint = "localhost:2575", File = "out.er7" }.Validate());
        Assert.Equal("File", e.ParamName);
    }

    [Theory]
    [InlineData("localhost:2575", "localhost:2575", "")]
    [InlineData("[::1]:2575", "[::1]:2575", "")]
    [InlineData("10.0.0.7:6661", "10.0.0.7:6661", "")]
    [InlineData("runs/hl7/201.er7", "", "runs/hl7/201.er7")]
    [InlineData("./host:2575", "", "./host:2575")]
    public void The_command_line_target_is_an_endpoint_or_a_file(string target, string endpoint, string file)
    {
        var o = new Hl7Options { Endpoint = "old:1", File = "" };
        Hl7Sinks.ApplyTarget(o, target);
        Assert.Equal(endpoint, o.Endpoint);
        Assert.Equal(file, o.File);
        o.Validate();
    }

    [Theory]
    [InlineData("mllp-host:70000")]
    [InlineData("bad host:2575")]
    [InlineData("[::1:2575]:0")]
    public void A_mistyped_endpoint_is_refused_rather_than_taken_for_a_file(string target)
    {
        var e = Assert.Throws<ArgumentException>(() => Hl7Sinks.ApplyTarget(new Hl7Options(), target));
        Assert.Contains(target, e.Message);
    }

    [Fact]
    public void A_file_that_cannot_be_opened_is_named()
    {
        string blocker = Path.Combine(Path.GetTempPath(), $"cgdmer-hl7-blocker-{Guid.NewGuid():N}");
        File.WriteAllText(blocker, "a file where a folder should be");
        var e = Assert.Throws<IOException>(() => new Hl7FileSink(new Hl7Options { File = Path.Combine(blocker, "x.er7") }));
        Assert.Contains(blocker, e.Message);
        File.Delete(blocker);
    }
}
