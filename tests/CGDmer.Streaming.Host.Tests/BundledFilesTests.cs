namespace CGDmer.Streaming.Host.Tests;

/// <summary>The defaults are looked for in the working directory, then beside the program; a path the user names is left as given.</summary>
public class BundledFilesTests
{
    private static readonly string Unique = "cgdmer-bundled-" + Guid.NewGuid().ToString("N");

    [Fact]
    public void A_default_missing_from_the_working_directory_is_taken_from_beside_the_program()
    {
        var program = Directory.CreateTempSubdirectory("cgdmer-program-").FullName;
        try
        {
            string relative = Path.Combine(Unique, "model.onnx");
            Assert.Equal(relative, BundledFiles.Resolve(relative, programDirectory: program));   // nowhere: unchanged, for the error

            Directory.CreateDirectory(Path.Combine(program, Unique));
            File.WriteAllText(Path.Combine(program, relative), "x");
            Assert.Equal(Path.Combine(program, relative), BundledFiles.Resolve(relative, programDirectory: program));

            File.WriteAllText(Path.Combine(program, Unique, "201.hea"), "201 2 360 10");
            Assert.Equal(Path.Combine(program, Unique, "201"), BundledFiles.ResolveRecord(Path.Combine(Unique, "201"), program));
            Assert.Equal(Path.Combine(Unique, "202"), BundledFiles.ResolveRecord(Path.Combine(Unique, "202"), program));
        }
        finally { Directory.Delete(program, true); }
    }

    [Fact]
    public void The_working_directory_wins_and_a_rooted_path_is_left_alone()
    {
        var program = Directory.CreateTempSubdirectory("cgdmer-program-").FullName;
        string here = Unique + "-here";   // relative: in the working directory
        Directory.CreateDirectory(here);
        try
        {
            File.WriteAllText(Path.Combine(here, "m.onnx"), "x");
            Directory.CreateDirectory(Path.Combine(program, here));
            File.WriteAllText(Path.Combine(program, here, "m.onnx"), "x");
            Assert.Equal(Path.Combine(here, "m.onnx"), BundledFiles.Resolve(Path.Combine(here, "m.onnx"), programDirectory: program));

            string rooted = Path.Combine(Path.GetTempPath(), Unique, "m.onnx");
            Assert.Equal(rooted, BundledFiles.Resolve(rooted, programDirectory: program));
        }
        finally { Directory.Delete(program, true); Directory.Delete(here, true); }
    }

    [Theory]
    [InlineData("models/cgdmer-small.onnx", true)]
    [InlineData("./models/cgdmer-small.onnx", true)]
    [InlineData("models\\cgdmer-small.onnx", true)]
    [InlineData("../models/cgdmer-small.onnx", false)]
    [InlineData("other/models/cgdmer-small.onnx", false)]
    [InlineData("models/cgdmer-small-2.onnx", false)]
    [InlineData("/models/cgdmer-small.onnx", false)]
    public void Only_the_shipped_default_is_looked_for_beside_the_program(string path, bool isDefault) =>
        Assert.Equal(isDefault, new ModelOptions { Path = path }.IsDefault);

    [Fact]
    public void The_error_for_a_missing_default_names_both_places()
    {
        string places = BundledFiles.Places(BundledFiles.DefaultModel, "/opt/cgdmer");
        Assert.Contains(Path.GetFullPath(BundledFiles.DefaultModel), places);
        Assert.Contains("/opt/cgdmer/models/cgdmer-small.onnx", places);
    }
}
