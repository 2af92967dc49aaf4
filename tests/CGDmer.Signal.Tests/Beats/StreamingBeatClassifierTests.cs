using CGDmer.Signal.Beats;
using CGDmer.Signal.Wfdb;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CGDmer.Signal.Tests.Beats;

public class StreamingBeatClassifierTests
{
    private static List<ClassifiedBeat> Classify(ReadOnlySpan<float> x, double fs, int chunk = 360)
    {
        var c = new StreamingBeatClassifier(fs);
        var beats = new List<ClassifiedBeat>();
        for (int i = 0; i < x.Length; i += chunk) c.Process(x.Slice(i, Math.Min(chunk, x.Length - i)), beats);
        c.Flush(beats);
        return beats;
    }

    /// <summary>
    /// Ventricular beats found and called after the first 5 minutes (EC57's learning period), matched to the reference's
    /// beats within 150 ms: (reference V beats, of them called V, beats called V, of them reference V).
    /// </summary>
    private static (int ReferenceV, int Found, int CalledV, int Right) Veb(string record)
    {
        var r = WfdbReader.Read(TestPaths.Record(record));
        var reference = AnnotationReader.Beats(AnnotationReader.Read(TestPaths.Record(record) + ".atr"))
            .Where(a => a.Sample >= 300 * r.SampleRateHz).ToArray();
        var beats = Classify(r.Ecg.Channels[0].Samples, r.SampleRateHz).Where(b => b.Sample >= 300 * r.SampleRateHz).ToArray();
        long window = (long)Math.Round(0.150 * r.SampleRateHz);
        bool IsV(Annotation a) => a.Code is AnnotationCodes.Pvc or AnnotationCodes.VentricularEscape or AnnotationCodes.RonT;
        Annotation? Nearest(long s) => reference.Where(a => Math.Abs(a.Sample - s) <= window).OrderBy(a => Math.Abs(a.Sample - s)).Cast<Annotation?>().FirstOrDefault();
        int found = reference.Where(IsV).Count(v => beats.Any(b => Math.Abs(b.Sample - v.Sample) <= window && b.Type == BeatType.Ventricular));
        var called = beats.Where(b => b.Type == BeatType.Ventricular).ToArray();
        int right = called.Count(b => Nearest(b.Sample) is { } a && IsV(a));
        return (reference.Count(IsV), found, called.Length, right);
    }

    [Fact]
    public void Finds_the_ventricular_beats_of_MIT_BIH_201()
    {
        var (referenceV, found, called, right) = Veb("201");
        Assert.True(referenceV > 100, $"{referenceV} reference V beats");
        Assert.True(found >= 0.95 * referenceV, $"VEB sensitivity {found}/{referenceV}");
        Assert.True(right >= 0.75 * called, $"VEB positive predictivity {right}/{called}");
    }

    [Fact]
    public void Calls_almost_no_beat_of_plain_sinus_rhythm_ventricular()
    {
        var r = WfdbReader.Read(TestPaths.Record("122"));
        var beats = Classify(r.Ecg.Channels[0].Samples, r.SampleRateHz);
        Assert.True(beats.Count > 2000);
        Assert.True(beats.Count(b => b.Type == BeatType.Ventricular) <= 5, $"{beats.Count(b => b.Type == BeatType.Ventricular)} of {beats.Count} called V");
    }

    [Fact]
    public void Finds_the_same_beats_as_the_detector_alone()
    {
        var r = WfdbReader.Read(TestPaths.Record("203"));
        var x = r.Ecg.Channels[0].Samples.AsSpan(0, (int)(300 * r.SampleRateHz));
        var detector = new StreamingQrsDetector(r.SampleRateHz);
        var detected = new List<DetectedQrs>();
        detector.Process(x, detected);
        detector.Flush(detected);
        Assert.Equal(detected.Select(d => (d.Sample, d.SearchBack)), Classify(x, r.SampleRateHz).Select(b => (b.Sample, b.SearchBack)));
    }

    [Property(MaxTest = 12)]
    public Property The_result_does_not_depend_on_how_the_stream_is_cut()
    {
        var r = WfdbReader.Read(TestPaths.Record("201"));
        var x = r.Ecg.Channels[0].Samples.AsSpan(0, (int)(120 * r.SampleRateHz)).ToArray();
        var whole = Classify(x, r.SampleRateHz, chunk: x.Length);
        return Prop.ForAll(Gen.Choose(1, 2000).ToArbitrary(), chunk => Classify(x, r.SampleRateHz, chunk).SequenceEqual(whole));
    }

    /// <summary>
    /// Idealised complexes at <paramref name="fs"/>: narrow upright normal beats (1 mV, 80 ms) and, where
    /// a beat says so, wide inverted ones (1.5 mV, 160 ms, as IEC 60601-2-27's test beats), at the given RR intervals; a beat's scale multiplies it (negative: inverted).
    /// </summary>
    private static (float[] Signal, List<(long R, bool V)> Truth) Complexes(double fs, IEnumerable<(double Rr, bool V, double Scale)> beats, double seconds)
    {
        var x = new float[(int)(seconds * fs)];
        var truth = new List<(long, bool)>();
        double t = 1;
        foreach (var (rr, v, scale) in beats)
        {
            t += rr;
            if ((t + 0.5) * fs >= x.Length) break;
            double half = v ? 0.08 : 0.04, height = (v ? -1.5 : 1.0) * scale;
            for (int i = (int)Math.Ceiling((t - half) * fs); i <= (t + half) * fs; i++)
                x[i] += (float)(height * (1 - Math.Abs((i / fs - t) / half)));
            // A T wave after each complex, so that the segment is not the QRS alone.
            for (int i = (int)Math.Ceiling((t + 0.2) * fs); i <= (t + 0.38) * fs; i++)
                x[i] += (float)((v ? 0.4 : 0.25) * scale * Math.Sin(Math.PI * (i / fs - t - 0.2) / 0.18));
            truth.Add(((long)Math.Round(t * fs), v));
        }
        return (x, truth);
    }

    private static BeatType TypeAt(List<ClassifiedBeat> beats, long r, double fs) =>
        beats.Single(b => Math.Abs(b.Sample - r) <= 0.05 * fs).Type;

    [Fact]
    public void Tells_the_beats_of_ventricular_bigeminy_apart()
    {
        // IEC 60601-2-27's bigeminy 3a: RR 0.5 s to each wide beat, 1.0 s to the next normal one.
        const double fs = 250;
        var pattern = Enumerable.Range(0, 120).Select(i => i % 2 == 0 ? (1.0, false, 1.0) : (0.5, true, 1.0));
        var (x, truth) = Complexes(fs, pattern, 80);
        var beats = Classify(x, fs);
        var scored = truth.Where(b => b.R > 10 * fs).ToList();
        Assert.True(scored.Count > 80);
        Assert.All(scored, b => Assert.Equal(b.V ? BeatType.Ventricular : BeatType.Normal, TypeAt(beats, b.R, fs)));
    }

    [Fact]
    public void A_lasting_change_of_the_normal_beat_becomes_the_new_normal()
    {
        // After a minute the normal complexes turn upside down (an electrode moved, the axis changed): at first they are
        // unlike the dominant beat, but within a minute they are the dominant beat, not an endless run of ventricular beats.
        const double fs = 250;
        var pattern = Enumerable.Range(0, 150).Select(i => (0.8, false, i < 75 ? 1.0 : -0.8));
        var (x, truth) = Complexes(fs, pattern, 125);
        var beats = Classify(x, fs);
        var late = truth.Where(b => b.R > 110 * fs).ToList();
        Assert.NotEmpty(late);
        Assert.All(late, b => Assert.Equal(BeatType.Normal, TypeAt(beats, b.R, fs)));
        Assert.All(truth.Where(b => b.R < 60 * fs), b => Assert.Equal(BeatType.Normal, TypeAt(beats, b.R, fs)));
    }
}

public class NormalToNormalTests
{
    /// <summary>203 (multiform PVCs, noisy AF), first lead, at the model's 100 Hz; the tests cut it into 10 s windows at a
    /// 5 s hop, as the infer stage sees them.</summary>
    private static float[] Lead203()
    {
        var r = WfdbReader.Read(TestPaths.Record("203"));
        return CGDmer.Signal.Dsp.Resampler.Resample(r.Ecg.Channels[0].Samples, r.SampleRateHz, 100);
    }

    [Fact]
    public void One_instance_window_after_window_finds_what_a_new_one_finds_in_each()
    {
        var x = Lead203();
        var reused = new NormalToNormal(100);
        var a = new int[400];
        var b = new int[400];
        int windows = 0, withBeats = 0;
        for (int start = 0; start + 1000 <= Math.Min(x.Length, 100 * 600); start += 500, windows++)
        {
            var window = x.AsSpan(start, 1000);
            int fresh = NormalToNormal.Beats(window, 100, a);
            int again = reused.Beats(window, b);
            Assert.Equal(a[..fresh], b[..again]);
            if (fresh > 0) withBeats++;
        }
        Assert.True(windows > 100 && withBeats > windows / 2, $"{withBeats} of {windows} windows had NN beats");
    }

    [Fact]
    public void One_instance_window_after_window_allocates_nothing()
    {
        // The infer stage's NN half: after the first windows, a reset classifier reuses its beat families.
        var x = Lead203();
        var reused = new NormalToNormal(100);
        var nn = new int[400];
        for (int start = 0; start + 1000 <= 100 * 120; start += 500) reused.Beats(x.AsSpan(start, 1000), nn);
        Assert.Equal(0, Allocations.LeastOfThree(() =>
        {
            for (int start = 0; start + 1000 <= 100 * 120; start += 500) reused.Beats(x.AsSpan(start, 1000), nn);
        }));
    }
}
