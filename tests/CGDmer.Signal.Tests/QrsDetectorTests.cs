using CGDmer.Signal.Dsp;
using CGDmer.Signal.Wfdb;
using Xunit.Abstractions;

namespace CGDmer.Signal.Tests;

public class QrsDetectorTests(ITestOutputHelper output)
{
    private static BeatComparison Evaluate(string recordPath, out int detected, out int reference)
    {
        var rec = WfdbReader.Read(recordPath);
        var ann = AnnotationReader.Read(recordPath + ".atr");
        var refBeats = AnnotationReader.Beats(ann).Select(a => a.Sample).ToArray();
        var lead = rec.Ecg.Channel(Lead.II) ?? rec.Ecg.Channels[0]; // MLII; record 114 stores it second
        var peaks = QrsDetector.Detect(lead.Samples, rec.SampleRateHz);
        detected = peaks.Length;
        reference = refBeats.Length;
        return BeatComparison.Compare(refBeats, peaks, (long)Math.Round(0.150 * rec.SampleRateHz));
    }

    [Fact]
    public void Finds_the_annotated_beats_of_record_201()
    {
        var c = Evaluate(TestPaths.Record("201"), out int det, out int refCount);
        output.WriteLine($"201 (MLII): reference {refCount}, detected {det}, TP {c.TruePositives}, FN {c.FalseNegatives}, FP {c.FalsePositives}, " +
                         $"Se {c.Sensitivity:P2}, PPV {c.PositivePredictiveValue:P2}");
        Assert.True(c.Sensitivity > 0.95, $"Se {c.Sensitivity:P2}");
        Assert.True(c.PositivePredictiveValue > 0.95, $"PPV {c.PositivePredictiveValue:P2}");
    }

    [Fact]
    public void Record_203_figures()
    {
        // 203 is the noisiest record of the database ("very difficult, even for humans"); reported, loosely bounded.
        var c = Evaluate(TestPaths.Record("203"), out int det, out int refCount);
        output.WriteLine($"203 (MLII): reference {refCount}, detected {det}, Se {c.Sensitivity:P2}, PPV {c.PositivePredictiveValue:P2}");
        Assert.True(c.Sensitivity > 0.85 && c.PositivePredictiveValue > 0.85);
    }

    [Fact]
    public void Synthetic_pulse_train_is_detected_exactly()
    {
        const double fs = 250;
        var x = new float[(int)(fs * 20)];
        var truth = new List<long>();
        var rng = new Random(7);
        for (double t = 0.5; t < 19.5; t += 0.6 + 0.4 * rng.NextDouble())
        {
            int c = (int)(t * fs);
            truth.Add(c);
            for (int k = -10; k <= 10; k++) x[c + k] += (float)(1.2 * Math.Exp(-k * k / 8.0));
        }
        for (int i = 0; i < x.Length; i++) x[i] += (float)(0.2 * Math.Sin(2 * Math.PI * 0.3 * i / fs) + 0.01 * (rng.NextDouble() - 0.5));
        var peaks = QrsDetector.Detect(x, fs);
        var cmp = BeatComparison.Compare(truth.ToArray(), peaks, (long)(0.02 * fs));
        Assert.Equal(truth.Count, cmp.TruePositives);
        Assert.Equal(0, cmp.FalsePositives);
    }

    [Fact]
    public void Beat_comparison_counts()
    {
        var c = BeatComparison.Compare([100, 200, 300, 400], [105, 290, 350, 401, 900], 10);
        Assert.Equal(new BeatComparison(3, 1, 2), c);
        Assert.Equal(0.75, c.Sensitivity);
        Assert.Equal(0.6, c.PositivePredictiveValue);
    }

    [Fact]
    public void All_shared_mitbih_records_when_present()
    {
        if (TestPaths.SharedMitBihDs1 is not { } dir)
        {
            output.WriteLine("Skipped: ../shared/data/mitbih-ds1 not present.");
            return;
        }
        int tp = 0, fn = 0, fp = 0;
        foreach (var hea in Directory.EnumerateFiles(dir, "*.hea").Order())
        {
            var c = Evaluate(hea[..^4], out _, out _);
            tp += c.TruePositives; fn += c.FalseNegatives; fp += c.FalsePositives;
            output.WriteLine($"{Path.GetFileNameWithoutExtension(hea)}: Se {c.Sensitivity:P2} PPV {c.PositivePredictiveValue:P2} (FN {c.FalseNegatives}, FP {c.FalsePositives})");
        }
        var total = new BeatComparison(tp, fn, fp);
        output.WriteLine($"Gross: TP {tp} FN {fn} FP {fp}, Se {total.Sensitivity:P2}, PPV {total.PositivePredictiveValue:P2}");
        Assert.True(total.Sensitivity > 0.95 && total.PositivePredictiveValue > 0.95);
    }
}

public class QrsDetectorEdgeTests
{
    [Fact]
    public void Flat_and_noise_only_signals_are_handled()
    {
        const double fs = 360;
        var flat = new float[(int)(fs * 600)];
        Assert.Empty(QrsDetector.Detect(flat, fs));
        var rng = new Random(1);
        var noise = new float[(int)(fs * 600)];
        for (int i = 0; i < noise.Length; i++) noise[i] = (float)(0.01 * (rng.NextDouble() - 0.5));
        // Whatever noise triggers, never more beats than the refractory period allows (its cost is a benchmark's business).
        Assert.InRange(QrsDetector.Detect(noise, fs).Length, 0, 600 * 300 / 60);
        Assert.Empty(QrsDetector.Detect(new float[10], fs));
    }

    [Fact]
    public void Nan_samples_do_not_break_detection()
    {
        var rec = CGDmer.Signal.Wfdb.WfdbReader.Read(TestPaths.Record("201"));
        var x = rec.Ecg.Channels[0].Samples.AsSpan(0, 360 * 60).ToArray();
        for (int i = 1000; i < 1400; i++) x[i] = float.NaN;
        var peaks = QrsDetector.Detect(x, 360);
        Assert.InRange(peaks.Length, 40, 120);
    }
}
