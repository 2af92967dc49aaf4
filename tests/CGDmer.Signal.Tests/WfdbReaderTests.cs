using System.Diagnostics;
using CGDmer.Signal.Wfdb;
using Xunit.Abstractions;

namespace CGDmer.Signal.Tests;

public class WfdbReaderTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("201")]
    [InlineData("203")]
    public void Real_records_pass_checksum_and_initial_value_verification(string name)
    {
        var rec = WfdbReader.Read(TestPaths.Record(name)); // throws on any mismatch
        Assert.Equal(2, rec.SignalCount);
        Assert.Equal(650000, rec.Length);
        Assert.Equal(360.0, rec.Ecg.SampleRateHz);
        Assert.Equal(TimeSpan.FromSeconds(650000 / 360.0), rec.Ecg.Duration);
        for (int s = 0; s < 2; s++)
        {
            var spec = rec.Signal(s);
            Assert.Equal((short)spec.Checksum!.Value, WfdbReader.Checksum(rec.RawSamples(s).Span));
            Assert.Equal(spec.InitialValue, rec.RawSamples(s).Span[0]);
        }
        Assert.Equal("MLII", rec.Ecg.Channels[0].Label);
        Assert.Equal(Lead.II, rec.Ecg.Channels[0].Lead);
        Assert.Equal(Lead.V1, rec.Ecg.Channels[1].Lead);
        Assert.NotNull(rec.Ecg.Channel(Lead.II));
        var (twelve, present) = rec.Ecg.ToTwelveLead();
        Assert.True(present[(int)Lead.II] && present[(int)Lead.V1]);
        Assert.Equal(2, present.Count(p => p));
        Assert.Same(rec.Ecg.Channels[0].Samples, twelve[(int)Lead.II]);
    }

    [Fact]
    public void First_samples_of_201_match_bytes_decoded_by_hand()
    {
        // 201.dat starts "cc 33 d6 | cc 33 d6 | ..."; format 212 packs sample A in byte0 + low nibble of byte1 and
        // sample B in byte2 + high nibble of byte1: A = 0x3cc = 972, B = 0x3d6 = 982 (the header's initial values).
        // Bytes 24..32 are "cc 33 d9 ce 33 db d0 33 dd": frame 8 = (972, 985), frame 9 = (974, 987), frame 10 = (976, 989).
        var rec = WfdbReader.Read(TestPaths.Record("201"));
        var a = rec.RawSamples(0).Span;
        var b = rec.RawSamples(1).Span;
        Assert.Equal([972, 972, 972], [a[0], a[1], a[2]]);
        Assert.Equal([982, 982, 982], [b[0], b[1], b[2]]);
        Assert.Equal((972, 985), (a[8], b[8]));
        Assert.Equal((974, 987), (a[9], b[9]));
        Assert.Equal((976, 989), (a[10], b[10]));
        // mV = (adc - 1024) / 200
        Assert.Equal(-0.26f, rec.Ecg.Channels[0].Samples[0], 6);
        Assert.Equal(-0.21f, rec.Ecg.Channels[1].Samples[0], 6);
        Assert.Equal((976 - 1024) / 200f, rec.Ecg.Channels[0].Samples[10], 6);

        // Independent decoding of the first 1000 frames with plain arithmetic on the file bytes.
        var bytes = File.ReadAllBytes(TestPaths.Record("201") + ".dat");
        for (int t = 0; t < 1000; t++)
        {
            int b0 = bytes[3 * t], b1 = bytes[3 * t + 1], b2 = bytes[3 * t + 2];
            int s0 = b0 + 256 * (b1 % 16), s1 = b2 + 256 * (b1 / 16);
            if (s0 >= 2048) s0 -= 4096;
            if (s1 >= 2048) s1 -= 4096;
            Assert.Equal(s0, a[t]);
            Assert.Equal(s1, b[t]);
        }
    }

    [Fact]
    public void Corrupted_copy_fails_with_message_naming_the_file()
    {
        var dir = TestPaths.TempDir();
        try
        {
            File.Copy(TestPaths.Record("201") + ".hea", Path.Combine(dir, "201.hea"));
            var bytes = File.ReadAllBytes(TestPaths.Record("201") + ".dat");
            bytes[300_000] ^= 0x01; // flip one bit of one sample in the middle
            var dat = Path.Combine(dir, "201.dat");
            File.WriteAllBytes(dat, bytes);
            var e = Assert.Throws<WfdbFormatException>(() => WfdbReader.Read(Path.Combine(dir, "201")));
            Assert.Contains("checksum mismatch", e.Message);
            Assert.Contains(dat, e.Message);
            Assert.Equal(dat, e.FileName);

            // Corrupting the first sample trips the initial-value check first.
            bytes = File.ReadAllBytes(TestPaths.Record("201") + ".dat");
            bytes[0] ^= 0x10;
            File.WriteAllBytes(dat, bytes);
            e = Assert.Throws<WfdbFormatException>(() => WfdbReader.Read(Path.Combine(dir, "201")));
            Assert.Contains("initial value mismatch", e.Message);
            Assert.Contains(dat, e.Message);

            // Truncation is reported as such.
            File.WriteAllBytes(dat, bytes.AsSpan(0, 1000).ToArray());
            e = Assert.Throws<WfdbFormatException>(() => WfdbReader.Read(Path.Combine(dir, "201")));
            Assert.Contains("truncated", e.Message);
            Assert.Contains(dat, e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("../201.dat")]
    [InlineData("sub/../../201.dat")]
    public void A_header_naming_a_signal_file_outside_its_folder_is_refused(string file)
    {
        // The record's own .dat sits one level up, so following the name would read a valid-looking record.
        var dir = TestPaths.TempDir();
        try
        {
            File.Copy(TestPaths.Record("201") + ".dat", Path.Combine(dir, "201.dat"));
            var inner = Directory.CreateDirectory(Path.Combine(dir, "rec")).FullName;
            var header = File.ReadAllText(TestPaths.Record("201") + ".hea").Replace("201.dat", file);
            var hea = Path.Combine(inner, "201.hea");
            File.WriteAllText(hea, header);
            var e = Assert.Throws<WfdbFormatException>(() => WfdbReader.Read(Path.Combine(inner, "201")));
            Assert.Equal(hea, e.FileName);
            Assert.Contains("record's folder", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Stream_overload_reads_the_same_record()
    {
        var fromPath = WfdbReader.Read(TestPaths.Record("203"));
        using var hea = File.OpenRead(TestPaths.Record("203") + ".hea");
        using var dat = File.OpenRead(TestPaths.Record("203") + ".dat");
        var fromStreams = WfdbReader.Read(hea, dat, "203.hea");
        Assert.True(fromPath.RawSamples(1).Span.SequenceEqual(fromStreams.RawSamples(1).Span));
        Assert.Equal(fromPath.Ecg.Channels[0].Samples, fromStreams.Ecg.Channels[0].Samples);
        Assert.True(dat.CanRead); // the caller's stream is not disposed by the reader
    }

    [Fact]
    public void Format16_and_212_with_odd_sample_counts_round_trip()
    {
        // Three signals in one 212 file: pairs straddle frame boundaries, and the last pair is half used.
        short[][] sig = [[1, -2, 2047, -2048, 0], [100, 200, -300, 5, 6], [-1, 0, 1, 2, 3]];
        var bytes = new List<byte>();
        var flat = new List<int>();
        for (int t = 0; t < 5; t++) for (int c = 0; c < 3; c++) flat.Add(sig[c][t]);
        for (int i = 0; i < flat.Count; i += 2)
        {
            int a = flat[i] & 0xFFF, b = i + 1 < flat.Count ? flat[i + 1] & 0xFFF : 0;
            bytes.Add((byte)(a & 0xFF));
            bytes.Add((byte)(((a >> 8) & 0x0F) | ((b >> 4) & 0xF0)));
            if (i + 1 < flat.Count) bytes.Add((byte)(b & 0xFF));
        }
        string Sig(int c) => $"x.dat 212 100(2)/mV 12 0 {sig[c][0]} {WfdbReader.Checksum(sig[c])} 0 S{c}\n";
        var header = "x 3 100 5\n" + Sig(0) + Sig(1) + Sig(2);
        var rec = WfdbReader.Read(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(header)), new MemoryStream(bytes.ToArray()));
        for (int c = 0; c < 3; c++) Assert.Equal(sig[c], rec.RawSamples(c).ToArray());
        Assert.True(float.IsNaN(rec.Ecg.Channels[0].Samples[3])); // -2048 is WFDB's invalid-sample code
        Assert.Equal((100 - 2) / 100f, rec.Ecg.Channels[1].Samples[0], 6);
        Assert.Null(rec.Ecg.Channels[0].Lead);

        // Format 16, one signal, length taken from the file because the header omits it.
        var h16 = "y 1 500\ny.dat 16 1000/uV 16 0\n";
        var d16 = new byte[] { 0x01, 0x00, 0xFF, 0xFF, 0x00, 0x80, 0xE8, 0x03 };
        var r16 = WfdbReader.Read(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(h16)), new MemoryStream(d16));
        Assert.Equal([1, -1, short.MinValue, 1000], r16.RawSamples(0).ToArray());
        Assert.Equal(1e-3f, r16.Ecg.Channels[0].Samples[3], 9); // 1000 adc / 1000 per uV = 1 uV = 0.001 mV
    }

    [Fact]
    public void Reading_a_30_minute_record_takes_well_under_a_second()
    {
        WfdbReader.Read(TestPaths.Record("201")); // warm-up (JIT, file cache)
        var sw = Stopwatch.StartNew();
        const int runs = 5;
        for (int i = 0; i < runs; i++) WfdbReader.Read(TestPaths.Record(i % 2 == 0 ? "201" : "203"));
        double ms = sw.Elapsed.TotalMilliseconds / runs;
        output.WriteLine($"Mean read time of one 30-min 2-channel 360 Hz record: {ms:F1} ms");
        Assert.True(ms < 1000, $"reading took {ms:F0} ms");
    }

    [Fact]
    public void All_shared_mitbih_records_verify_when_present()
    {
        if (TestPaths.SharedMitBihDs1 is not { } dir)
        {
            output.WriteLine("Skipped: ../shared/data/mitbih-ds1 not present.");
            return;
        }
        int n = 0;
        foreach (var hea in Directory.EnumerateFiles(dir, "*.hea").Order())
        {
            var rec = WfdbReader.Read(hea[..^4]);
            Assert.True(rec.Length > 0);
            n++;
        }
        output.WriteLine($"{n} records verified in {dir}");
        Assert.True(n >= 1);
    }
}
