using System.Buffers.Binary;
using System.Diagnostics;
using CGDmer.Signal.Datasets;
using CGDmer.Signal.Wfdb;
using Xunit.Abstractions;

namespace CGDmer.Signal.Tests;

public class Cinc2017Tests(ITestOutputHelper output)
{
    private static string Record(string id) => Path.Combine(TestPaths.Cinc2017, id);

    [Fact]
    public void Reference_lists_the_fixture_records_with_their_labels()
    {
        var entries = Cinc2017.Load(TestPaths.Cinc2017);
        Assert.Equal(
        [
            new Cinc2017Entry("A00225", Cinc2017Label.AtrialFibrillation),
            new Cinc2017Entry("A00984", Cinc2017Label.Noisy),
            new Cinc2017Entry("A05493", Cinc2017Label.Normal),
            new Cinc2017Entry("A08050", Cinc2017Label.Other),
        ], entries);
        Assert.Equal("~", Cinc2017.Code(Cinc2017Label.Noisy));
        Assert.Same(EcgLabels.AtrialFibrillation, Cinc2017.ToEcgLabel(Cinc2017Label.AtrialFibrillation));
        Assert.Same(EcgLabels.SinusRhythm, Cinc2017.ToEcgLabel(Cinc2017Label.Normal));
        Assert.Same(EcgLabels.OtherRhythm, Cinc2017.ToEcgLabel(Cinc2017Label.Other));
        Assert.Null(Cinc2017.ToEcgLabel(Cinc2017Label.Noisy));
    }

    [Fact]
    public void Record_has_its_length_rate_gain_and_lead_I_and_samples_match_the_file_bytes()
    {
        var rec = Cinc2017.ReadRecord(Record("A05493"));
        Assert.Equal(1, rec.SignalCount);
        Assert.Equal(2714, rec.Length);
        Assert.Equal(300.0, rec.SampleRateHz);
        var spec = rec.Signal(0);
        Assert.Equal(1000.0, spec.Gain);
        Assert.Equal(0, spec.Baseline);
        Assert.Equal("mV", spec.Units);
        Assert.Equal(24, spec.ByteOffset);
        var ch = Assert.Single(rec.Ecg.Channels);
        Assert.Equal("ECG", ch.Label);
        Assert.Equal(Lead.I, ch.Lead);
        Assert.Same(ch, rec.Ecg.Channel(Lead.I));

        // First samples as the file holds them after the 24-byte MATLAB header ("be ff b9 ff b5 ff b2 ff ...").
        var raw = rec.RawSamples(0).Span;
        Assert.Equal([-66, -71, -75, -78, -80, -81, -77, -70], raw[..8].ToArray().Select(v => (int)v));
        Assert.Equal(-0.066f, ch.Samples[0], 6);
        var bytes = File.ReadAllBytes(Record("A05493") + ".mat");
        Assert.Equal(24 + 2 * 2714, bytes.Length);
        for (int i = 0; i < rec.Length; i++)
        {
            short v = BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(24 + 2 * i));
            Assert.Equal(v, raw[i]);
            Assert.Equal(v / 1000f, ch.Samples[i], 6);
        }
    }

    [Fact]
    public void Every_fixture_record_reads_with_its_channel_on_lead_I()
    {
        foreach (var e in Cinc2017.Load(TestPaths.Cinc2017))
        {
            var rec = Cinc2017.ReadRecord(Cinc2017.RecordPath(TestPaths.Cinc2017, e.RecordId));
            Assert.Equal(e.RecordId, rec.Name);
            Assert.Equal(rec.Header.SampleCount, rec.Length);
            Assert.InRange(rec.Ecg.Duration.TotalSeconds, 9, 61);
            var (_, present) = rec.Ecg.ToTwelveLead();
            Assert.Equal([true], present.Where(p => p));
            Assert.True(present[(int)Lead.I]);
            Assert.Equal(WfdbDataset.Cinc2017, WfdbDatasets.Identify(rec.Header));
        }
    }

    [Fact]
    public void A_stale_header_initial_value_is_ignored_by_the_loader_but_still_rejected_by_the_default_reader()
    {
        // A00225's header says the first sample is 85; the file (bytes 24-25: "01 00") says 1. Its checksum field is 0.
        var rec = Cinc2017.ReadRecord(Record("A00225"));
        Assert.Equal(85, rec.Signal(0).InitialValue);
        Assert.Equal(0, rec.Signal(0).Checksum);
        Assert.Equal([1, 33, 64, 97], rec.RawSamples(0).Span[..4].ToArray().Select(v => (int)v));
        Assert.Equal(9000, rec.Length);

        var e = Assert.Throws<WfdbFormatException>(() => WfdbReader.Read(Record("A00225")));
        Assert.Contains("initial value mismatch", e.Message);
        Assert.EndsWith("A00225.mat", e.FileName);
        // With the initial value waived, the meaningless checksum 0 is what the default verification trips on.
        e = Assert.Throws<WfdbFormatException>(() => WfdbReader.Read(Record("A00225"), new WfdbReadOptions { VerifyInitialValues = false }));
        Assert.Contains("checksum mismatch", e.Message);
    }

    [Fact]
    public void Header_with_the_date_before_the_time_parses()
    {
        var h = WfdbReader.ReadHeader(Record("A00225")); // "A00225 1 300 9000 2014-04-07 03:04:40", CRLF line ends
        Assert.Equal(new DateOnly(2014, 4, 7), h.BaseDate);
        Assert.Equal(new TimeOnly(3, 4, 40), h.BaseTime);
        Assert.Equal(new DateTimeOffset(2014, 4, 7, 3, 4, 40, TimeSpan.Zero), h.StartTime);

        // One record of the dataset gives the date alone.
        var dateOnly = WfdbHeaderParser.Parse("A05967 1 300 18258 2012-07-13 \r\nA05967.mat 16+24 1000/mV 16 0 -96 0 0 ECG \r\n", "A05967.hea");
        Assert.Equal(new DateOnly(2012, 7, 13), dateOnly.BaseDate);
        Assert.Null(dateOnly.BaseTime);
        Assert.Equal(24, dateOnly.Signals[0].ByteOffset);
        Assert.Equal(WfdbStorageFormat.Format16, dateOnly.Signals[0].Format);

        var bad = Assert.Throws<WfdbFormatException>(() => WfdbHeaderParser.Parse("r 1 300 10 2014-13-40 03:04:40\nr.mat 16+24\n", "bad.hea"));
        Assert.Contains("base date", bad.Message);
    }

    [Theory]
    [InlineData(0, 0x1f, "type 31")]             // an int16 text matrix instead of a numeric one
    [InlineData(4, 0x02, "2×9000")]             // two rows
    [InlineData(8, 0x29, "1×9001")]             // columns disagree with the header's sample count
    [InlineData(12, 0x01, "complex")]
    [InlineData(16, 0x05, "25 bytes long")]     // name length no longer ends the header at byte 24
    [InlineData(20, (byte)'x', "'xal', expected 'val'")]
    public void A_bad_matlab_prefix_is_an_error_naming_the_mat_file(int offset, byte value, string expected)
    {
        var dir = CopyRecord("A00225");
        try
        {
            var mat = Path.Combine(dir, "A00225.mat");
            var bytes = File.ReadAllBytes(mat);
            bytes[offset] = value;
            File.WriteAllBytes(mat, bytes);
            var e = Assert.Throws<WfdbFormatException>(() => Cinc2017.ReadRecord(Path.Combine(dir, "A00225")));
            Assert.Equal(mat, e.FileName);
            Assert.StartsWith(mat + ":", e.Message);
            Assert.Contains(expected, e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Truncated_and_missing_files_are_errors_naming_the_file()
    {
        var dir = CopyRecord("A05493");
        try
        {
            var rec = Path.Combine(dir, "A05493");
            var mat = rec + ".mat";
            var bytes = File.ReadAllBytes(mat);

            File.WriteAllBytes(mat, bytes[..(24 + 2 * 2000)]);
            var e = Assert.Throws<WfdbFormatException>(() => Cinc2017.ReadRecord(rec));
            Assert.Equal(mat, e.FileName);
            Assert.Contains("truncated", e.Message);
            Assert.Contains("2000", e.Message);

            File.WriteAllBytes(mat, bytes[..12]);
            e = Assert.Throws<WfdbFormatException>(() => Cinc2017.ReadRecord(rec));
            Assert.Equal(mat, e.FileName);
            Assert.Contains("too short for a MATLAB v4 header", e.Message);

            File.Delete(mat);
            var nf = Assert.Throws<FileNotFoundException>(() => Cinc2017.ReadRecord(rec));
            Assert.Equal(mat, nf.FileName);
            Assert.Contains(mat, nf.Message);

            File.Delete(rec + ".hea");
            nf = Assert.Throws<FileNotFoundException>(() => Cinc2017.ReadRecord(rec));
            Assert.Equal(rec + ".hea", nf.FileName);

            nf = Assert.Throws<FileNotFoundException>(() => Cinc2017.ReadReference(Path.Combine(dir, "REFERENCE.csv")));
            Assert.Contains("REFERENCE.csv", nf.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void A_record_of_another_dataset_is_refused_rather_than_read_unverified()
    {
        var e = Assert.Throws<WfdbFormatException>(() => Cinc2017.ReadRecord(TestPaths.Record("201")));
        Assert.Contains("not a CinC 2017 header", e.Message);
        Assert.EndsWith("201.hea", e.FileName);
        Assert.Equal(WfdbDataset.Other, WfdbDatasets.Identify(TestPaths.Record("201")));
    }

    [Fact]
    public void Malformed_reference_lines_are_errors_naming_the_file_and_line()
    {
        var dir = TestPaths.TempDir();
        try
        {
            var csv = Path.Combine(dir, "REFERENCE.csv");
            File.WriteAllText(csv, "A00001,N\nA00002,X\n");
            var e = Assert.Throws<FormatException>(() => Cinc2017.ReadReference(csv));
            Assert.Contains(csv, e.Message);
            Assert.Contains("line 2", e.Message);
            File.WriteAllText(csv, "A00001;N\n");
            e = Assert.Throws<FormatException>(() => Cinc2017.ReadReference(csv));
            Assert.Contains("line 1", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void All_shared_cinc2017_records_read_when_present()
    {
        if (TestPaths.SharedCinc2017 is not { } root)
        {
            output.WriteLine("Skipped: ../shared/data/cinc2017 not present.");
            return;
        }
        var sw = Stopwatch.StartNew();
        var entries = Cinc2017.Load(root);
        long samples = 0;
        foreach (var e in entries)
        {
            var rec = Cinc2017.ReadRecord(Cinc2017.RecordPath(root, e.RecordId));
            Assert.Equal(Lead.I, rec.Ecg.Channels[0].Lead);
            Assert.Equal(Cinc2017.SampleRateHz, rec.SampleRateHz);
            samples += rec.Length;
        }
        // The time is printed, not asserted: speed is a benchmark's business, and a shared CI machine's time is noisy.
        output.WriteLine($"{entries.Count} records, {samples} samples read in {sw.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(8528, entries.Count);
        Assert.Equal([5050, 738, 2456, 284], Enum.GetValues<Cinc2017Label>().Select(l => entries.Count(e => e.Label == l)));
    }

    private static string CopyRecord(string id)
    {
        var dir = TestPaths.TempDir();
        foreach (var ext in new[] { ".hea", ".mat" }) File.Copy(Record(id) + ext, Path.Combine(dir, id + ext));
        return dir;
    }
}
