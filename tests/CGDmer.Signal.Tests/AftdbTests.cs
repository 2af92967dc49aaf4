using System.Buffers.Binary;
using CGDmer.Signal.Datasets;
using CGDmer.Signal.Wfdb;
using Xunit.Abstractions;

namespace CGDmer.Signal.Tests;

public class AftdbTests(ITestOutputHelper output)
{
    private static string N01 => Path.Combine(TestPaths.Aftdb, "learning-set", "n01");

    [Fact]
    public void Enumerates_the_records_of_the_set_folders()
    {
        var records = Aftdb.Enumerate(TestPaths.Aftdb);
        Assert.Equal(
        [
            new AftdbRecordInfo("n01", AftdbSet.LearningSet, N01),
            new AftdbRecordInfo("b01", AftdbSet.TestSetB, Path.Combine(TestPaths.Aftdb, "test-set-b", "b01")),
        ], records);
        Assert.Equal("test-set-a", Aftdb.FolderName(AftdbSet.TestSetA));
        Assert.Throws<DirectoryNotFoundException>(() => Aftdb.Enumerate(Path.Combine(TestPaths.Aftdb, "no-such-folder")));
        var empty = TestPaths.TempDir();
        try
        {
            var e = Assert.Throws<DirectoryNotFoundException>(() => Aftdb.Enumerate(empty));
            Assert.Contains(empty, e.Message);
        }
        finally { Directory.Delete(empty, true); }
    }

    [Fact]
    public void Record_reads_verified_with_its_rate_gains_and_leads_II_and_V1()
    {
        var rec = Aftdb.ReadRecord(N01);
        Assert.Equal(2, rec.SignalCount);
        Assert.Equal(7680, rec.Length);
        Assert.Equal(128.0, rec.SampleRateHz);
        Assert.Equal(TimeSpan.FromMinutes(1), rec.Ecg.Duration);
        Assert.Equal(142.045, rec.Signal(0).Gain);
        Assert.Equal(143.062, rec.Signal(1).Gain);
        Assert.Equal(["ECG", "ECG"], rec.Ecg.Channels.Select(c => c.Label));
        Assert.Equal([Lead.II, Lead.V1], rec.Ecg.Channels.Select(c => c.Lead));
        Assert.Equal([Lead.II, Lead.V1], Aftdb.RecordedLeads);
        Assert.Same(EcgLabels.AtrialFibrillation, Aftdb.Rhythm);
        for (int s = 0; s < 2; s++)
        {
            Assert.Equal((short)rec.Signal(s).Checksum!.Value, WfdbReader.Checksum(rec.RawSamples(s).Span));
            Assert.Equal(rec.Signal(s).InitialValue, rec.RawSamples(s).Span[0]);
        }

        // The file starts "f0 ff ff ff f3 ff ff ff": frames (-16, -1), (-13, -1); the two signals are interleaved.
        var a = rec.RawSamples(0).Span;
        var b = rec.RawSamples(1).Span;
        Assert.Equal((-16, -1), (a[0], b[0]));
        Assert.Equal((-13, -1), (a[1], b[1]));
        Assert.Equal(-16 / 142.045f, rec.Ecg.Channels[0].Samples[0], 6);
        var bytes = File.ReadAllBytes(N01 + ".dat");
        Assert.Equal(7680 * 4, bytes.Length);
        for (int t = 0; t < rec.Length; t++)
        {
            Assert.Equal(BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(4 * t)), a[t]);
            Assert.Equal(BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(4 * t + 2)), b[t]);
        }
    }

    [Fact]
    public void Plain_reader_verifies_aftdb_checksums_and_finds_no_lead_names()
    {
        var rec = WfdbReader.Read(N01); // default options: throws on any checksum or initial-value mismatch
        Assert.All(rec.Ecg.Channels, c => Assert.Null(c.Lead));
        Assert.Equal(WfdbDataset.Aftdb, WfdbDatasets.Identify(rec.Header));
        var viaDataset = WfdbDatasets.Read(N01, out var dataset);
        Assert.Equal(WfdbDataset.Aftdb, dataset);
        Assert.Equal([Lead.II, Lead.V1], viaDataset.Ecg.Channels.Select(c => c.Lead));
    }

    [Fact]
    public void Beat_marks_come_from_the_qrs_file()
    {
        // The file starts "2c 04 80 04 6c 04": code 1 (N) at +44, +128, +108 samples.
        var beats = Aftdb.ReadBeats(N01);
        Assert.Equal(76, beats.Count);
        Assert.Equal([44L, 172L, 280L], beats.Take(3).Select(x => x.Sample));
        Assert.All(beats, x => Assert.Equal("N", x.Symbol));
        Assert.True(beats[^1].Sample < 7680);
        var nf = Assert.Throws<FileNotFoundException>(() => Aftdb.ReadBeats(Path.Combine(TestPaths.Aftdb, "learning-set", "n99")));
        Assert.EndsWith("n99.qrs", nf.FileName);
    }

    [Fact]
    public void Damaged_or_foreign_records_are_errors_naming_the_file()
    {
        var dir = TestPaths.TempDir();
        try
        {
            File.Copy(N01 + ".hea", Path.Combine(dir, "n01.hea"));
            var dat = Path.Combine(dir, "n01.dat");
            var bytes = File.ReadAllBytes(N01 + ".dat");
            bytes[10_001] ^= 0x01;
            File.WriteAllBytes(dat, bytes);
            var e = Assert.Throws<WfdbFormatException>(() => Aftdb.ReadRecord(Path.Combine(dir, "n01")));
            Assert.Contains("checksum mismatch", e.Message);
            Assert.Equal(dat, e.FileName);

            File.Delete(dat);
            e = Assert.Throws<WfdbFormatException>(() => Aftdb.ReadRecord(Path.Combine(dir, "n01")));
            Assert.Contains("not found", e.Message);
            Assert.Contains(dat, e.Message);
        }
        finally { Directory.Delete(dir, true); }

        var foreign = Assert.Throws<WfdbFormatException>(() => Aftdb.ReadRecord(TestPaths.Record("201")));
        Assert.Contains("not an AFTDB header", foreign.Message);
        Assert.Throws<FileNotFoundException>(() => Aftdb.ReadRecord(Path.Combine(TestPaths.Aftdb, "learning-set", "n99")));
    }

    [Fact]
    public void All_shared_aftdb_records_verify_when_present()
    {
        if (TestPaths.SharedAftdb is not { } root)
        {
            output.WriteLine("Skipped: ../shared/data/aftdb not present.");
            return;
        }
        var records = Aftdb.Enumerate(root);
        foreach (var r in records)
        {
            var rec = Aftdb.ReadRecord(r.Path);
            Assert.Equal(r.RecordId, rec.Name);
            Assert.Equal(7680, rec.Length);
            Assert.NotEmpty(Aftdb.ReadBeats(r.Path));
        }
        output.WriteLine($"{records.Count} records verified in {root}");
        Assert.Equal(80, records.Count);
        Assert.Equal([30, 30, 20], Aftdb.Sets.Select(s => records.Count(r => r.Set == s)));
    }
}
