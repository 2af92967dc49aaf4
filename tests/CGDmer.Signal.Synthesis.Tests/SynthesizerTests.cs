using CGDmer.Signal;
using CGDmer.Signal.Synthesis;
using Xunit.Abstractions;
using static CGDmer.Signal.Synthesis.Tests.SignalMetrics;

namespace CGDmer.Signal.Synthesis.Tests;

[Collection("Timing")]
public class SynthesizerTests(ITestOutputHelper output)
{
    private static SyntheticEcg Gen(SynthesisRequest r, int seed = 1) => EcgSynthesizer.Generate(r, seed);

    [Fact]
    public void SameSeedGivesIdenticalSamplesAndReport()
    {
        var req = new SynthesisRequest { Rhythm = RhythmKind.AtrialFibrillation, Pvc = new PvcSpec(0.2), Noise = NoiseOptions.Typical with { LeadOffProbability = 1 } };
        var a = Gen(req, 42); var b = Gen(req, 42); var c = Gen(req, 43);
        for (int l = 0; l < 12; l++) Assert.Equal(a.Record.Channels[l].Samples, b.Record.Channels[l].Samples);
        Assert.Equal(a.Report, b.Report);
        Assert.Equal(a.Beats, b.Beats);
        Assert.NotEqual(a.Record.Channels[1].Samples, c.Record.Channels[1].Samples);
        Assert.NotEqual(a.Beats, c.Beats);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(250)]
    [InlineData(360)]
    [InlineData(500)]
    public void EinthovenAndGoldbergerRelationsHold(double fs)
    {
        var e = Gen(new SynthesisRequest { SampleRateHz = fs, Pvc = new PvcSpec(0.2), Noise = NoiseOptions.Typical with { LeadOffProbability = 1 } }, 7);
        Assert.Equal((int)(10 * fs), e.Record.Length);
        Assert.Equal(12, e.Record.Channels.Count);
        var I = e.Lead(Lead.I); var II = e.Lead(Lead.II);
        for (int i = 0; i < I.Length; i++)
        {
            Assert.True(Math.Abs(e.Lead(Lead.III)[i] - (II[i] - I[i])) < 1e-5);
            Assert.True(Math.Abs(e.Lead(Lead.aVR)[i] + (I[i] + II[i]) / 2) < 1e-5);
            Assert.True(Math.Abs(e.Lead(Lead.aVL)[i] - (I[i] - II[i] / 2)) < 1e-5);
            Assert.True(Math.Abs(e.Lead(Lead.aVF)[i] - (II[i] - I[i] / 2)) < 1e-5);
        }
    }

    [Theory]
    [InlineData(RhythmKind.NormalSinus, 60, 100, "sinus_rhythm")]
    [InlineData(RhythmKind.SinusBradycardia, 0, 60, "sinus_bradycardia")]
    [InlineData(RhythmKind.SinusTachycardia, 100, 300, "sinus_tachycardia")]
    public void SinusRatesFollowTheRhythm(RhythmKind kind, double lo, double hi, string label)
    {
        for (int seed = 0; seed < 25; seed++)
        {
            var e = Gen(new SynthesisRequest { Rhythm = kind }, seed);
            double hr = HeartRate(e);
            Assert.InRange(hr, lo, hi);
            Assert.Equal([label], e.Labels.Select(l => l.Key));
            Assert.All(e.Beats, b => Assert.Equal(BeatClass.Normal, b.Class));
        }
        var fixedRate = Gen(new SynthesisRequest { Rhythm = RhythmKind.Sinus, RateBpm = 72 }, 3);
        Assert.InRange(HeartRate(fixedRate), 72 * 0.94, 72 * 1.06);
    }

    [Fact]
    public void NormalSinusAmplitudesAreRealisticWithRWaveProgression()
    {
        var rII = new List<double>(); int progression = 0;
        for (int seed = 0; seed < 20; seed++)
        {
            var e = Gen(new SynthesisRequest { Rhythm = RhythmKind.NormalSinus }, seed);
            var beats = Inner(e).Select(b => b.Sample).ToArray();
            double R(Lead l) => beats.Average(r => Max(e, l, r, -0.05, 0.05) - PrBaseline(e, l, r));
            double Sd(Lead l) => beats.Average(r => PrBaseline(e, l, r) - Min(e, l, r, -0.05, 0.06));
            rII.Add(R(Lead.II));
            if (R(Lead.V1) < R(Lead.V3) && R(Lead.V3) < R(Lead.V5) + 0.3 && Sd(Lead.V1) > Sd(Lead.V6) && R(Lead.V1) < Sd(Lead.V1) && R(Lead.V6) > Sd(Lead.V6)) progression++;
            if (seed < 3) output.WriteLine($"seed {seed}: R(II)={R(Lead.II):0.00} R(V1..V6)={string.Join(" ", Enumerable.Range(6, 6).Select(l => R((Lead)l).ToString("0.00")))} S(V1..V6)={string.Join(" ", Enumerable.Range(6, 6).Select(l => Sd((Lead)l).ToString("0.00")))} {e.Report}");
        }
        output.WriteLine($"R(II) mean {rII.Average():0.00} range {rII.Min():0.00}-{rII.Max():0.00}; progression ok in {progression}/20");
        Assert.InRange(rII.Average(), 0.7, 1.8);
        Assert.True(progression >= 16);
    }

    [Fact]
    public void AtrialFibrillationIsIrregularWithoutPWaves()
    {
        var cvSinus = new List<double>(); var cvAf = new List<double>();
        var pSinus = new List<double>(); var pAf = new List<double>();
        for (int seed = 0; seed < 15; seed++)
        {
            var s = Gen(new SynthesisRequest { Rhythm = RhythmKind.Sinus, RateBpm = 75, DurationSeconds = 20 }, seed);
            var af = Gen(new SynthesisRequest { Rhythm = RhythmKind.AtrialFibrillation, RateBpm = 75, DurationSeconds = 20 }, seed);
            cvSinus.Add(CoefficientOfVariation(RrSeconds(s))); cvAf.Add(CoefficientOfVariation(RrSeconds(af)));
            pSinus.Add(PBump(s)); pAf.Add(PBump(af));
            Assert.Contains(EcgLabels.AtrialFibrillation, af.Labels);
            Assert.DoesNotContain(EcgLabels.SinusRhythm, af.Labels);
        }
        output.WriteLine($"RR CV sinus {cvSinus.Average():0.000} AF {cvAf.Average():0.000}; P bump II sinus {pSinus.Average():0.000} (min {pSinus.Min():0.000}) AF {pAf.Average():0.000} (max {pAf.Max():0.000})");
        Assert.True(cvAf.Min() > 2.5 * cvSinus.Max());
        Assert.True(pSinus.Min() > 0.06);
        Assert.True(pAf.Max() < 0.04);
    }

    /// <summary>Signal-averaged P wave in lead II: peak in [R−0.26, R−0.08] s above the PR-segment baseline, averaged over beats whose previous RR is long enough.</summary>
    private static double PBump(SyntheticEcg e)
    {
        var beats = new List<int>();
        for (int i = 1; i < e.Beats.Count; i++)
            if (e.Beats[i].Sample - e.Beats[i - 1].Sample > S(e, 0.6) && e.Beats[i].Sample > S(e, 0.4)) beats.Add(e.Beats[i].Sample);
        var avg = Averaged(e, Lead.II, beats, -0.26, -0.05);
        double baseline = avg.Skip(avg.Length - S(e, 0.025)).Average();
        return avg.Take(avg.Length - S(e, 0.03)).Max() - baseline;
    }

    [Fact]
    public void AtrialFlutterShowsFlutterWavesAtTheAtrialRate()
    {
        for (int seed = 0; seed < 6; seed++)
        {
            var e = Gen(new SynthesisRequest { Rhythm = RhythmKind.AtrialFlutter, FlutterConduction = FlutterConduction.FourToOne, DurationSeconds = 12, SampleRateHz = 250 }, seed);
            double atrialHz = e.Episodes[0].RateBpm / 60;
            Assert.InRange(atrialHz * 60, 250, 350);
            foreach (var lead in new[] { Lead.II, Lead.V1 })
            {
                // blank the QRS complexes, keep atrial activity between them
                var x = e.Lead(lead).Select(v => (double)v).ToArray();
                foreach (var b in e.Beats)
                    for (int i = Math.Max(0, b.Sample - S(e, 0.06)); i < Math.Min(x.Length, b.Sample + S(e, 0.42)); i++) x[i] = 0;
                var (peak, pp, median) = Spectrum(x, e.SampleRateHz, 2, 12, 0.05);
                if (seed == 0) output.WriteLine($"{lead}: flutter {atrialHz:0.00} Hz, spectral peak {peak:0.00} Hz, peak/median {pp / median:0}");
                Assert.InRange(peak, atrialHz - 0.2, atrialHz + 0.2);
                Assert.True(pp > 10 * median);
            }
            double hr = HeartRate(e);
            Assert.InRange(hr, atrialHz * 60 / 4 * 0.9, atrialHz * 60 / 4 * 1.1);
            Assert.Contains(EcgLabels.AtrialFlutter, e.Labels);
        }
    }

    [Fact]
    public void PvcsArePrematureWideAndFollowedByCompensatoryPause()
    {
        int checkedBeats = 0;
        var wN = new List<double>(); var wV = new List<double>();
        for (int seed = 0; seed < 10; seed++)
        {
            var e = Gen(new SynthesisRequest { Rhythm = RhythmKind.NormalSinus, Pvc = new PvcSpec(0.2) }, seed);
            Assert.Contains(EcgLabels.PrematureVentricularContractions, e.Labels);
            Assert.True(e.Measurements.PvcCount >= 1);
            var b = e.Beats;
            for (int i = 1; i < b.Count - 1; i++)
            {
                if (b[i].Class != BeatClass.Ventricular || b[i - 1].Class != BeatClass.Normal || b[i + 1].Class != BeatClass.Normal) continue;
                // premature: coupling shorter than the preceding normal RR; compensatory: coupling + pause ~ 2 RR
                double rrPrev = i >= 2 && b[i - 2].Class == BeatClass.Normal ? (b[i - 1].Sample - b[i - 2].Sample) / e.SampleRateHz : 60 / e.Patient.MeanHeartRateBpm;
                double coupling = (b[i].Sample - b[i - 1].Sample) / e.SampleRateHz;
                double after = (b[i + 1].Sample - b[i].Sample) / e.SampleRateHz;
                Assert.True(coupling < 0.85 * rrPrev, $"coupling {coupling} vs {rrPrev}");
                Assert.True(after > coupling);
                Assert.InRange(coupling + after, 1.6 * rrPrev, 2.4 * rrPrev);
                checkedBeats++;
            }
            foreach (var n in Inner(e, BeatClass.Normal)) wN.Add(QrsWidthMs(e, n.Sample));
            foreach (var v in Inner(e, BeatClass.Ventricular)) wV.Add(QrsWidthMs(e, v.Sample));
        }
        output.WriteLine($"QRS width (slope energy) normal {wN.Average():0} ms [{wN.Min():0}-{wN.Max():0}], PVC {wV.Average():0} ms [{wV.Min():0}-{wV.Max():0}]");
        Assert.True(checkedBeats >= 5);
        Assert.True(wV.Min() > wN.Max());
        Assert.True(wV.Average() > wN.Average() + 40);
    }

    [Fact]
    public void PvcPatternsProduceBigeminyAndCouplets()
    {
        var big = Gen(new SynthesisRequest { Rhythm = RhythmKind.NormalSinus, Pvc = new PvcSpec(0.5, PvcPattern.Bigeminy) }, 5);
        var cls = string.Concat(big.Beats.Select(b => b.Symbol));
        Assert.Contains("NVNVNV", cls);
        var cpl = Gen(new SynthesisRequest { Rhythm = RhythmKind.NormalSinus, Pvc = new PvcSpec(0.3, PvcPattern.Couplets) }, 5);
        Assert.Contains("VV", string.Concat(cpl.Beats.Select(b => b.Symbol)));
    }

    [Fact]
    public void VentricularTachycardiaIsFastAndWide()
    {
        for (int seed = 0; seed < 8; seed++)
        {
            var e = Gen(new SynthesisRequest { Rhythm = RhythmKind.VentricularTachycardia }, seed);
            Assert.InRange(HeartRate(e), 120, 250);
            Assert.All(e.Beats, b => Assert.Equal(BeatClass.Ventricular, b.Class));
            var widths = Inner(e).Select(b => QrsWidthMs(e, b.Sample)).ToArray();
            Assert.True(widths.Average() >= 120, $"VT width {widths.Average()}");
            Assert.True(e.Measurements.QrsDurationMs >= 120);
            Assert.Equal(["ventricular_tachycardia"], e.Labels.Select(l => l.Key));
        }
    }

    [Theory]
    [InlineData(BundleBranchBlock.Left)]
    [InlineData(BundleBranchBlock.Right)]
    public void BundleBranchBlockWidensQrs(BundleBranchBlock bbb)
    {
        var widths = new List<double>();
        for (int seed = 0; seed < 10; seed++)
        {
            var e = Gen(new SynthesisRequest { Rhythm = RhythmKind.NormalSinus, BundleBranchBlock = bbb }, seed);
            Assert.True(e.Measurements.QrsDurationMs >= 120, $"model QRS {e.Measurements.QrsDurationMs}");
            var beats = Inner(e).Select(b => b.Sample).ToArray();
            widths.AddRange(beats.Select(r => QrsWidthMs(e, r)));
            Assert.Contains(bbb == BundleBranchBlock.Left ? EcgLabels.LeftBundleBranchBlock : EcgLabels.RightBundleBranchBlock, e.Labels);
            Assert.All(e.Beats, b => Assert.Equal(bbb == BundleBranchBlock.Left ? 'L' : 'R', b.Symbol));
            if (bbb == BundleBranchBlock.Right)
            {
                // rSR': terminal positive deflection in V1 after the initial one; wide terminal S in I and V6
                double late = beats.Average(r => Max(e, Lead.V1, r, 0.035, 0.08) - PrBaseline(e, Lead.V1, r));
                double sI = beats.Average(r => PrBaseline(e, Lead.I, r) - Min(e, Lead.I, r, 0.035, 0.09));
                Assert.True(late > 0.25, $"R' in V1 {late}");
                Assert.True(sI > 0.1, $"S in I {sI}");
            }
            else
            {
                double sV1 = beats.Average(r => PrBaseline(e, Lead.V1, r) - Min(e, Lead.V1, r, -0.06, 0.08));
                double rV6 = beats.Average(r => Max(e, Lead.V6, r, -0.06, 0.08) - PrBaseline(e, Lead.V6, r));
                double tV6 = beats.Average(r => Mean(e.Lead(Lead.V6), r + S(e, 0.16), r + S(e, 0.3)) - PrBaseline(e, Lead.V6, r));
                Assert.True(sV1 > 0.5 && rV6 > 0.4 && tV6 < 0, $"LBBB V1 S {sV1} V6 R {rV6} T {tV6}");
            }
        }
        output.WriteLine($"{bbb} measured QRS width {widths.Average():0} ms [{widths.Min():0}-{widths.Max():0}]");
        Assert.True(widths.Min() >= 110);
        Assert.True(widths.Average() >= 120);
    }

    [Theory]
    [InlineData(Territory.Inferior, new[] { Lead.II, Lead.III, Lead.aVF }, Lead.aVL)]
    [InlineData(Territory.Anterior, new[] { Lead.V1, Lead.V2, Lead.V3, Lead.V4 }, Lead.III)]
    [InlineData(Territory.Lateral, new[] { Lead.I, Lead.aVL, Lead.V5, Lead.V6 }, Lead.III)]
    public void StElevationInTerritoryWithReciprocalChange(Territory t, Lead[] leads, Lead reciprocal)
    {
        for (int seed = 0; seed < 8; seed++)
        {
            var e = Gen(new SynthesisRequest { Rhythm = RhythmKind.NormalSinus, StElevation = t }, seed);
            var c = Gen(new SynthesisRequest { Rhythm = RhythmKind.NormalSinus }, seed);
            Assert.Equal(["sinus_rhythm", "st_elevation"], e.Labels.Select(l => l.Key));
            foreach (var l in leads)
            {
                double st = StJ60(e, l);
                Assert.True(st > 0.1, $"{t} {l} ST {st:0.000} (seed {seed})");
                Assert.True(StJ60(c, l) < 0.1, $"control {l} ST {StJ60(c, l):0.000}");
            }
            Assert.True(StJ60(e, reciprocal) < StJ60(c, reciprocal) - 0.03, $"reciprocal {reciprocal}");
        }
    }

    /// <summary>ST deviation at J + 60 ms relative to the PR baseline, averaged over inner beats.</summary>
    private static double StJ60(SyntheticEcg e, Lead l)
    {
        double j = e.Measurements.JPointAfterRMs / 1000 + 0.06;
        return Inner(e).Average(b => Mean(e.Lead(l), b.Sample + S(e, j) - 1, b.Sample + S(e, j) + 2) - PrBaseline(e, l, b.Sample));
    }

    [Fact]
    public void StDepressionAndTInversion()
    {
        for (int seed = 0; seed < 8; seed++)
        {
            var e = Gen(new SynthesisRequest { Rhythm = RhythmKind.NormalSinus, StDepression = Territory.Lateral, TInversion = Territory.Anterior }, seed);
            foreach (var l in new[] { Lead.I, Lead.V5, Lead.V6 }) Assert.True(StJ60(e, l) < -0.08, $"STD {l} {StJ60(e, l):0.000}");
            foreach (var l in new[] { Lead.V2, Lead.V3, Lead.V4 })
            {
                double tmin = Inner(e).Average(b => Min(e, l, b.Sample, 0.12, 0.4) - PrBaseline(e, l, b.Sample));
                Assert.True(tmin < -0.1, $"T {l} {tmin:0.000}");
            }
            Assert.Equal(["sinus_rhythm", "st_depression", "t_inversion"], e.Labels.Select(x => x.Key));
        }
    }

    [Fact]
    public void LvhMeetsSokolowLyonAndLowVoltageIsLow()
    {
        for (int seed = 0; seed < 10; seed++)
        {
            var lvh = Gen(new SynthesisRequest { Rhythm = RhythmKind.NormalSinus, Lvh = true }, seed);
            var beats = Inner(lvh).Select(b => b.Sample).ToArray();
            double sl = beats.Average(r => PrBaseline(lvh, Lead.V1, r) - Min(lvh, Lead.V1, r, -0.06, 0.07))
                      + beats.Average(r => Math.Max(Max(lvh, Lead.V5, r, -0.06, 0.07) - PrBaseline(lvh, Lead.V5, r), Max(lvh, Lead.V6, r, -0.06, 0.07) - PrBaseline(lvh, Lead.V6, r)));
            Assert.True(sl > 3.5, $"Sokolow-Lyon {sl:0.00}");
            Assert.Contains(EcgLabels.LeftVentricularHypertrophy, lvh.Labels);

            var normal = Gen(new SynthesisRequest { Rhythm = RhythmKind.NormalSinus }, seed);
            Assert.True(normal.Measurements.SokolowLyonMv < 3.5);

            var low = Gen(new SynthesisRequest { Rhythm = RhythmKind.NormalSinus, LowVoltage = true }, seed);
            foreach (var l in new[] { Lead.I, Lead.II, Lead.III, Lead.aVR, Lead.aVL, Lead.aVF })
                Assert.All(Inner(low), b => Assert.True(PeakToPeak(low, l, b.Sample, -0.06, 0.07) < 0.5));
            Assert.True(Inner(normal).Max(b => new[] { Lead.I, Lead.II, Lead.III, Lead.aVF }.Max(l => PeakToPeak(normal, l, b.Sample, -0.06, 0.07))) > 0.5);
            Assert.Contains(EcgLabels.LowQrsVoltage, low.Labels);
        }
    }

    [Fact]
    public void PausesAreLongerThanTwoSeconds()
    {
        for (int seed = 0; seed < 10; seed++)
        {
            var e = Gen(new SynthesisRequest { Rhythm = RhythmKind.NormalSinus, Pauses = 1, DurationSeconds = 12 }, seed);
            Assert.Contains(EcgLabels.SinusPause, e.Labels);
            var pause = e.Intervals.Single(i => i.Label == EcgLabels.SinusPause);
            Assert.True(RrSeconds(e).Max() > 2.0);
            Assert.True((pause.EndSample - pause.StartSample) / e.SampleRateHz > 2.0);
        }
    }

    [Fact]
    public void EpisodesChangeRhythmWithinARecord()
    {
        var e = Gen(new SynthesisRequest
        {
            DurationSeconds = 20,
            Episodes = [new(RhythmKind.NormalSinus, 8, 70), new(RhythmKind.VentricularTachycardia, 4, 180), new(RhythmKind.AtrialFibrillation, null, 110)],
        }, 11);
        Assert.Equal(3, e.Episodes.Count);
        Assert.Equal(["sinus_rhythm", "atrial_fibrillation", "ventricular_tachycardia"], e.Labels.Select(l => l.Key));
        var vt = e.Intervals.Single(i => i.Label == EcgLabels.VentricularTachycardia);
        Assert.Equal(8 * 500, vt.StartSample);
        Assert.Equal(12 * 500, vt.EndSample);
        Assert.All(e.Beats.Where(b => b.Sample > vt.StartSample + 300 && b.Sample < vt.EndSample - 300), b => Assert.Equal(BeatClass.Ventricular, b.Class));
        Assert.Equal([EcgLabels.VentricularTachycardia], e.LabelsIn(9 * 500, 11 * 500));
    }

    [Theory]
    [InlineData(50)]
    [InlineData(60)]
    public void PowerlineNoisePeaksAtMainsFrequency(double hz)
    {
        var e = Gen(new SynthesisRequest { Noise = new NoiseOptions { PowerlineMv = 0.05, PowerlineHz = hz } }, 3);
        var x = e.Lead(Lead.V2).Select(v => (double)v).ToArray();
        var (peak, pp, median) = Spectrum(x, 500, 30, 80, 0.5);
        Assert.Equal(hz, peak, 1);
        Assert.True(pp > 100 * median);
    }

    [Fact]
    public void LeadOffSpansAreFlatOrRailed()
    {
        int seen = 0;
        for (int seed = 0; seed < 12; seed++)
        {
            var e = Gen(new SynthesisRequest { Noise = NoiseOptions.Typical with { LeadOffProbability = 1 } }, seed);
            Assert.NotEmpty(e.LeadOff);
            foreach (var off in e.LeadOff)
            {
                var x = e.Lead(off.Lead);
                for (int i = off.StartSample; i < off.EndSample; i++) Assert.Equal(off.LevelMv, x[i], 1e-5);
                Assert.Equal(off.Railed, off.LevelMv != 0);
                seen++;
            }
        }
        Assert.True(seen >= 12);
    }

    [Fact]
    public void NoiseOptionsChangeTheSignalButNotTheBeats()
    {
        var clean = Gen(new SynthesisRequest(), 9);
        var noisy = Gen(new SynthesisRequest { Noise = NoiseOptions.Typical with { LeadOffProbability = 0, MuscleMv = 0.05 } }, 9);
        Assert.Equal(clean.Beats, noisy.Beats);
        double diff = 0; var a = clean.Lead(Lead.II); var b = noisy.Lead(Lead.II);
        for (int i = 0; i < a.Length; i++) diff += (a[i] - b[i]) * (a[i] - b[i]);
        Assert.True(Math.Sqrt(diff / a.Length) > 0.02);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(500)]
    public void GenerationIsFast(double fs)
    {
        var req = new SynthesisRequest { SampleRateHz = fs, Pvc = new PvcSpec(0.1), Noise = NoiseOptions.Typical, WriteReport = true };
        for (int i = 0; i < 20; i++) Gen(req, i);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        const int n = 200;
        for (int i = 0; i < n; i++) Gen(req, 1000 + i);
        double ms = sw.Elapsed.TotalMilliseconds / n;
        output.WriteLine($"{fs} Hz: {ms:0.00} ms per 10-s 12-lead record (with noise and report)");
        Assert.True(ms < 25, $"{ms} ms");
    }
}

[CollectionDefinition("Timing", DisableParallelization = true)]
public class TimingCollection;

[Collection("Timing")]
public class PhysiologyTests(ITestOutputHelper output)
{
    [Fact]
    public void QtShortensAtFasterRates()
    {
        // T-wave peak (lead with the largest T) after the R peak, at 50 vs 120 bpm, same patient (same seed)
        for (int seed = 0; seed < 6; seed++)
        {
            var slow = EcgSynthesizer.Generate(new SynthesisRequest { Rhythm = RhythmKind.Sinus, RateBpm = 50 }, seed);
            var fast = EcgSynthesizer.Generate(new SynthesisRequest { Rhythm = RhythmKind.Sinus, RateBpm = 120 }, seed);
            double TPeak(SyntheticEcg e)
            {
                var avg = Averaged(e, Lead.V3, Inner(e).Select(b => b.Sample), 0.12, 0.45);
                int best = 0; for (int i = 0; i < avg.Length; i++) if (Math.Abs(avg[i]) > Math.Abs(avg[best])) best = i;
                return 0.12 + best / e.SampleRateHz;
            }
            double ts = TPeak(slow), tf = TPeak(fast);
            if (seed == 0) output.WriteLine($"T peak after R: {ts * 1000:0} ms at 50 bpm, {tf * 1000:0} ms at 120 bpm; QT {slow.Measurements.QtIntervalMs:0} vs {fast.Measurements.QtIntervalMs:0} ms, QTc {slow.Measurements.QtcMs:0} vs {fast.Measurements.QtcMs:0}");
            Assert.True(tf < ts - 0.03);
            Assert.True(fast.Measurements.QtIntervalMs < slow.Measurements.QtIntervalMs - 40);
        }
    }

    [Fact]
    public void RrTachogramHasLfAndHfVariability()
    {
        var e = EcgSynthesizer.Generate(new SynthesisRequest { Rhythm = RhythmKind.Sinus, RateBpm = 65, DurationSeconds = 300, SampleRateHz = 100, WriteReport = false }, 21);
        // RR tachogram resampled at 4 Hz by linear interpolation
        var t = e.Beats.Skip(1).Select(b => b.Sample / e.SampleRateHz).ToArray();
        var rr = RrSeconds(e);
        var series = new List<double>();
        for (double x = t[0]; x < t[^1]; x += 0.25)
        {
            int i = Array.FindIndex(t, v => v >= x); if (i <= 0) { series.Add(rr[0]); continue; }
            double f = (x - t[i - 1]) / (t[i] - t[i - 1]); series.Add(rr[i - 1] + f * (rr[i] - rr[i - 1]));
        }
        var s = series.ToArray();
        double Band(double lo, double hi) { double p = 0; for (double f = lo; f < hi; f += 0.005) p += Power(s, 4, f); return p; }
        double lf = Band(0.04, 0.15), hf = Band(0.15, 0.4), high = Band(0.6, 1.5);
        output.WriteLine($"SDNN {Math.Sqrt(rr.Select(v => (v - rr.Average()) * (v - rr.Average())).Average()) * 1000:0.0} ms, LF {lf:0.###}, HF {hf:0.###}, LF/HF {lf / hf:0.00}, >0.6 Hz {high:0.####}, resp {e.Patient.RespirationHz:0.00} Hz");
        Assert.True(lf > 5 * high && hf > 5 * high);
        Assert.InRange(lf / hf, 0.1, 10);
    }
}
