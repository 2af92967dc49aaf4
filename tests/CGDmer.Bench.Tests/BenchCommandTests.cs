namespace CGDmer.Bench.Tests;

public class BenchCommandTests
{
    private static System.CommandLine.ParseResult Parse(params string[] args) => BenchCommand.Create().Parse(args);

    [Theory]
    [InlineData("--batch", "0")]
    [InlineData("--patients", "0")]
    [InlineData("--synthetic", "-1")]
    public void A_bad_option_is_an_error_naming_it_and_the_verb_exits_2(string option, string value)
    {
        var e = Assert.Throws<ArgumentException>(() => BenchCommand.CheckOptions(Parse(option, value)));
        Assert.StartsWith(option + " ", e.Message);
        Assert.Equal(2, Parse(option, value).Invoke());
    }

    [Fact]
    public void Synthetic_patients_and_records_exclude_each_other()
    {
        var e = Assert.Throws<ArgumentException>(() => BenchCommand.CheckOptions(Parse("--synthetic", "2", "--record", "data/mitbih/201")));
        Assert.Contains("--synthetic and --record exclude each other", e.Message);
        Assert.Equal((16, 32, 2), BenchCommand.CheckOptions(Parse("--synthetic", "2")));   // the defaults otherwise
    }
}
