using System.Text;
using System.Text.Json;
using CGDmer.Transports.Files;

namespace CGDmer.Transports.Tests.Files;

/// <summary>An NDJSON output file only ever ends in a complete line, and is created owner-only.</summary>
public class NdjsonFileWriterTests
{
    /// <summary>A file system that fills up: a write past <c>capacity</c> bytes stores what fits, then fails (like ENOSPC).</summary>
    private sealed class FillingStream(long capacity) : MemoryStream
    {
        public int FailedWrites { get; private set; }

        public override void Write(ReadOnlySpan<byte> buffer) => Write(buffer.ToArray(), 0, buffer.Length);

        public override void Write(byte[] buffer, int offset, int count)
        {
            long room = capacity - Position;
            if (count <= room) { base.Write(buffer, offset, count); return; }
            base.Write(buffer, offset, (int)Math.Max(0, room));
            FailedWrites++;
            throw new IOException("No space left on device");
        }
    }

    private static string Line(int i) => JsonSerializer.Serialize(new { i, text = new string('x', 100 + i % 37) });

    [Fact]
    public void A_write_that_fails_midway_leaves_only_complete_lines_and_is_reported_once()
    {
        var stream = new FillingStream(200_000);
        var writer = new NdjsonFileWriter(stream, "observations.ndjson");
        IOException? error = null;
        int i = 0;
        try { for (; i < 10_000; i++) writer.Write(Line(i)); writer.Flush(); }
        catch (IOException e) { error = e; }
        Assert.NotNull(error);
        Assert.Contains("observations.ndjson", error.Message);
        Assert.Contains("No space left on device", error.Message);
        Assert.Equal(1, stream.FailedWrites);
        // Later calls say it failed (without writing); Dispose does not throw.
        Assert.Throws<IOException>(() => writer.Write(Line(0)));
        writer.Dispose();
        Assert.Equal(1, stream.FailedWrites);

        var text = Encoding.UTF8.GetString(stream.ToArray());
        Assert.NotEmpty(text);
        Assert.EndsWith("\n", text);
        var lines = text.Split('\n')[..^1];
        for (int k = 0; k < lines.Length; k++) Assert.Equal(k, JsonDocument.Parse(lines[k]).RootElement.GetProperty("i").GetInt32());
    }

    [Fact]
    public void A_failing_final_flush_leaves_only_complete_lines()
    {
        var stream = new FillingStream(1000);
        var writer = new NdjsonFileWriter(stream, "alerts.ndjson");
        for (int i = 0; i < 20; i++) writer.Write(Line(i));   // fits the buffer: nothing written yet
        Assert.Equal(0, stream.Length);
        Assert.Throws<IOException>(writer.Flush);
        writer.Dispose();
        Assert.Empty(stream.ToArray());   // the one write held all 20 lines: cut back to nothing rather than to half a line
    }

    [Fact]
    public void Lines_are_written_whole_in_order()
    {
        var stream = new MemoryStream();
        using (var writer = new NdjsonFileWriter(stream, "x.ndjson"))
        {
            for (int i = 0; i < 5000; i++) writer.Write(Line(i));
            writer.Write(new string('y', 200_000).Insert(0, "\"").Insert(200_001, "\""));   // longer than the buffer
        }
        var lines = Encoding.UTF8.GetString(stream.ToArray()).Split('\n');
        Assert.Equal(5002, lines.Length);
        Assert.Equal("", lines[^1]);
        for (int k = 0; k < 5000; k++) Assert.Equal(k, JsonDocument.Parse(lines[k]).RootElement.GetProperty("i").GetInt32());
        Assert.Equal(200_000, JsonDocument.Parse(lines[5000]).RootElement.GetString()!.Length);
    }

    [Fact]
    public void Output_files_are_created_and_rewritten_owner_only()
    {
        if (OperatingSystem.IsWindows()) return;
        var dir = Directory.CreateTempSubdirectory("cgdmer-ndjson-").FullName;
        try
        {
            var path = Path.Combine(dir, "dead-letter.ndjson");
            File.WriteAllText(path, "old\n");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            using (var writer = new NdjsonFileWriter(path)) writer.Write("{}");
            Assert.Equal(PatientDataFile.Mode, File.GetUnixFileMode(path));
            Assert.Equal("{}\n", File.ReadAllText(path));

            var fresh = Path.Combine(dir, "observations.ndjson");
            using (var writer = new NdjsonFileWriter(fresh)) writer.Write("{}");
            Assert.Equal(PatientDataFile.Mode, File.GetUnixFileMode(fresh));

            var summary = Path.Combine(dir, "summary.json");
            PatientDataFile.WriteAllText(summary, "{}");
            Assert.Equal(PatientDataFile.Mode, File.GetUnixFileMode(summary));
        }
        finally { Directory.Delete(dir, true); }
    }
}
