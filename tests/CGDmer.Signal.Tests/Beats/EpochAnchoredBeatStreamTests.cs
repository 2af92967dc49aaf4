using CGDmer.Signal.Beats;
using CGDmer.Signal.Dsp;
using CGDmer.Signal.Wfdb;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CGDmer.Signal.Tests.Beats;

public class EpochAnchoredBeatStreamTests
{
    private const int Fs = 100, Epoch = 30 * Fs, WarmUp = 10 * Fs;

    /// <summary>MIT-BIH 201 (MLII, with AF, PVCs and runs) at the model's 100 Hz: the whole 30 minutes.</summary>
    private static readonly Lazy<float[]> Record201 = new(() =>
    {
        var r = WfdbReader.Read(TestPaths.Record("201"));
        return new Resampler(r.SampleRateHz, Fs).Resample(r.Ecg.Channels[0].Samples);
    });

    private static List<ClassifiedBeat> Stream(long start, ReadOnlySpan<float> x, int chunk, EpochAnchoredBeatStream? stream = null)
    {
        stream ??= new EpochAnchoredBeatStream(Fs, Epoch, WarmUp);
        var beats = new List<ClassifiedBeat>();
        for (int i = 0; i < x.Length; i += chunk) stream.Feed(start + i, x.Slice(i, Math.Min(chunk, x.Length - i)), beats);
        return beats;
    }

    /// <summary>
    /// The definition, written out: epoch e's beats are those a fresh classifier finds with R-peaks inside the epoch,
    /// started at max(e·E − U, run start) and flushed at the epoch's end + the retirement span. Only epochs retired
    /// within the signal.
    /// </summary>
    private static List<ClassifiedBeat> Reference(long start, float[] x, int retire)
    {
        var all = new List<ClassifiedBeat>();
        long end = start + x.Length;
        for (long e = Math.DivRem(start, Epoch).Quotient; (e + 1) * Epoch + retire <= end; e++)
        {
            long from = Math.Max(e * Epoch - WarmUp, start), to = (e + 1) * Epoch + retire;
            var c = new StreamingBeatClassifier(Fs);
            var beats = new List<ClassifiedBeat>();
            c.Process(x.AsSpan((int)(from - start), (int)(to - from)), beats);
            c.Flush(beats);
            all.AddRange(beats.Select(b => b with { Sample = b.Sample + from }).Where(b => b.Sample >= e * Epoch && b.Sample < (e + 1) * Epoch));
        }
        return all;
    }

    private static IEnumerable<ClassifiedBeat> Through(IEnumerable<ClassifiedBeat> beats, long end) => beats.Where(b => b.Sample < end);

    private static long RetiredThrough(long start, int length, int retire)
    {
        long e = (start + length - retire) / Epoch;   // the epochs before e retired within the signal
        return e * Epoch;
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(1_735_000_123L)]   // a run starting mid-epoch, far from sample 0
    public void Finds_what_each_epochs_own_classifier_finds(long start)
    {
        var x = Record201.Value;
        var stream = new EpochAnchoredBeatStream(Fs, Epoch, WarmUp);
        var beats = Stream(start, x, 500, stream);
        var reference = Reference(start, x, stream.RetireAfterSamples);
        long through = RetiredThrough(start, x.Length, stream.RetireAfterSamples);
        Assert.True(reference.Count > 300, $"{reference.Count} reference beats");
        Assert.Equal(reference, Through(beats, through));
        Assert.True(beats.Zip(beats.Skip(1)).All(p => p.First.Sample < p.Second.Sample), "beats ascending");
        Assert.True(beats.Count(b => b.Type == BeatType.Ventricular) > 100, $"{beats.Count(b => b.Type == BeatType.Ventricular)} beats called V");
    }

    [Fact]
    public void A_restart_that_reads_again_from_an_epochs_warm_up_finds_the_same_beats_from_that_epoch_on()
    {
        var x = Record201.Value;
        var whole = Stream(0, x, 500);
        foreach (int epoch in new[] { 2, 5 })
        {
            int from = epoch * Epoch - WarmUp;
            var resumed = Stream(from, x.AsSpan(from), 500);
            Assert.Equal(whole.Where(b => b.Sample >= epoch * Epoch), resumed.Where(b => b.Sample >= epoch * Epoch));
        }
    }

    [Fact]
    public void A_run_that_does_not_follow_on_starts_over()
    {
        var x = Record201.Value;
        var stream = new EpochAnchoredBeatStream(Fs, Epoch, WarmUp);
        var beats = new List<ClassifiedBeat>();
        stream.Feed(0, x.AsSpan(0, 7000), beats);
        // A 20-s gap: the run from 9000 on is a new one, as if the stream had begun there.
        var later = new List<ClassifiedBeat>();
        stream.Feed(9000, x.AsSpan(9000), later);
        Assert.Equal(Stream(9000, x.AsSpan(9000), 100_000), later);
    }

    [Property(MaxTest = 10)]
    public Property The_beats_do_not_depend_on_how_the_samples_are_cut()
    {
        var x = Record201.Value.AsSpan(0, 200 * Fs).ToArray();
        var whole = Stream(0, x, x.Length);
        return Prop.ForAll(Gen.Choose(1, 1500).ToArbitrary(), chunk => Stream(0, x, chunk).SequenceEqual(whole));
    }

    [Fact]
    public void Refuses_an_epoch_too_short_for_two_classifiers_and_a_warm_up_shorter_than_learning()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new EpochAnchoredBeatStream(Fs, 12 * Fs, WarmUp));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EpochAnchoredBeatStream(Fs, Epoch, Fs));
    }
}
