using CGDmer.Pipeline.Measurement;
using CGDmer.Pipeline.Validation;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal;
using CGDmer.Signal.Beats;
using CGDmer.Signal.Dsp;
using CGDmer.Signal.Wfdb;
using CGDmer.Trainer.Data;
using Xunit.Abstractions;

namespace CGDmer.Trainer.Tests;

/// <summary>
/// The model must see in training what it sees in the service. MIT-BIH 201 goes through the trainer's window builder
/// (whole-record resampling, then cutting) and through the service's window stage (1 s segments as a monitor sends them,
/// resampled as they stream) and measure stage; the windows that start at the same time must hold the same samples (to
/// within two of the record's quantisation steps) and give the same rhythm features.
/// </summary>
public class TrainServeParityTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset Origin = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_trainers_windows_and_rhythm_features_are_the_services()
    {
        var path = TestData.MitBih("201");
        var record = WfdbReader.Read(path);
        const int fs = 100, windowSamples = 1000;

        var set = new WindowSet(windowSamples, EcgLabels.All, 128, RhythmFeatures.CountOf(RhythmFeatures.Identifier));
        int trainerWindows = MitBihWindows.AddRecord(set, record, AnnotationReader.Read(path + ".atr"), fs, 5, 1, maxSeconds: 600);

        var geometry = new WindowGeometry(fs, windowSamples, Leads.StandardOrder, EcgPreprocessing.Identifier);
        var serviceWindows = ServiceWindows(record.Ecg, geometry, seconds: 600);
        var measurer = new WindowMeasurer();
        // The trainer's beat stream as the service runs it for this patient: the epochs placed on the same absolute grid,
        // and the stream starting with the service's first window (training places them at the recording's start).
        var resampled = new float[]?[Leads.Count];
        foreach (var ch in record.Ecg.Channels)
            if (ch.Lead is { } l && resampled[(int)l] is null) resampled[(int)l] = Resampler.Resample(ch.Samples.AsSpan(0, 600 * (int)record.SampleRateHz), record.SampleRateHz, fs);
        long origin = (long)Math.Round((Origin - DateTimeOffset.UnixEpoch).TotalSeconds * fs);
        int firstServed = (int)Math.Round((serviceWindows[0].Start - Origin).TotalSeconds * fs);
        var trainerStream = new RecordBeatStream(resampled, fs, 600 * fs, windowSamples, origin, firstServed);
        // rr-v5 (not the shipped set, but a set the service computes): its context half from each side's beat stream.
        const string withContext = RhythmFeatures.WithStreamContextIdentifier;
        var servedContext = new float[RhythmFeatures.CountOf(withContext)];
        var trainerFeatures = new float[RhythmFeatures.CountOf(withContext)];
        var context = Array.Empty<ClassifiedBeat>();
        // rr-v6: measured on each side's beat stream (its own stream: windows trim what they have read).
        const string onStream = RhythmFeatures.StreamMeasuredIdentifier;
        var trainerStream6 = new RecordBeatStream(resampled, fs, 600 * fs, windowSamples, origin, firstServed);
        var served6 = new float[RhythmFeatures.CountOf(onStream)];
        var trainer6 = new float[RhythmFeatures.CountOf(onStream)];
        var windowBeats = Array.Empty<ClassifiedBeat>();
        var rowStarts = Array.Empty<int>();
        // rr-v7: rr-v4 and the analysis lead's atrial activity; the service keeps one NN finder across windows.
        const string withAtrial = RhythmFeatures.WithAtrialActivityIdentifier;
        var served7 = new float[RhythmFeatures.CountOf(withAtrial)];
        var trainer7 = new float[RhythmFeatures.CountOf(withAtrial)];
        var servedNormalToNormal = new NormalToNormal(fs);
        // rr-v8: rr-v6 and the atrial activity over the stream's normal beats (a stream of its own again).
        const string onStreamWithAtrial = RhythmFeatures.StreamMeasuredWithAtrialActivityIdentifier;
        var trainerStream8 = new RecordBeatStream(resampled, fs, 600 * fs, windowSamples, origin, firstServed);
        var served8 = new float[RhythmFeatures.CountOf(onStreamWithAtrial)];
        var trainer8 = new float[RhythmFeatures.CountOf(onStreamWithAtrial)];
        // rr-v10: rr-v8 with each streamed lead's quality from the stream's per-second sums and second detector.
        const string streamQuality = RhythmFeatures.StreamQualityIdentifier;
        var trainerStream10 = new RecordBeatStream(resampled, fs, 600 * fs, windowSamples, origin, firstServed, quality: true);
        var served10 = new float[RhythmFeatures.CountOf(streamQuality)];
        var trainer10 = new float[RhythmFeatures.CountOf(streamQuality)];
        int sameStreamQuality = 0;
        double worstQuality = 0;

        int compared = 0, sameFeatures = 0, sameContext = 0, sameOnStream = 0, withStreamBeats = 0, sameAtrial = 0, withAtrialWave = 0,
            sameOnStreamWithAtrial = 0, withStreamAtrialWave = 0;
        double worstSample = 0;
        var features = new float[RhythmFeatures.CountOf(RhythmFeatures.Identifier)];
        // The beat features are exact; the atrial ones are continuous in the samples, so they follow the resamplers' last
        // bits (at most a few µV) within 0.002 of a correlation or of a fraction of the QRS amplitude.
        bool Agree(string featureSet, int k, ReadOnlySpan<float> served, ReadOnlySpan<float> trained)
        {
            int exact = RhythmFeatures.HasAtrialActivity(featureSet) ? 2 * RhythmFeatures.Count + 2 : served.Length;
            for (int f = 0; f < served.Length; f++)
                if (Math.Abs(served[f] - trained[f]) > (f < exact ? 1e-4f : 2e-3f))
                {
                    output.WriteLine($"{featureSet} differs at window {k}: served [{string.Join(", ", served.ToArray())}], trained [{string.Join(", ", trained.ToArray())}]");
                    return false;
                }
            return true;
        }
        foreach (var w in serviceWindows)
        {
            int k = (int)Math.Round((w.Start - Origin).TotalSeconds / 5);
            if (k >= trainerWindows || Math.Abs((w.Start - Origin).TotalSeconds - 5 * k) > 1e-6) continue;
            foreach (var lead in w.RecordedLeads)
            {
                var trained = set.Samples(k).Slice((int)lead * windowSamples, windowSamples);
                var served = w.Row(geometry.RowOf(lead));
                for (int t = 0; t < windowSamples; t++) worstSample = Math.Max(worstSample, Math.Abs(trained[t] - served[t]));
            }
            var m = measurer.Measure(w);
            // As the infer stage writes them (BatchInference): the measure stage's beats, the analysis lead's samples, and
            // for rr-v5 the window's stream beats.
            int row = geometry.RowOf(m.AnalysisLead!.Value);
            RhythmFeatures.ComputeSet(RhythmFeatures.Identifier, m.BeatSamples.ToArray(), w.Row(row), fs, windowSamples,
                                      m.SignalQuality, m.BeatAgreement, features);
            if (Agree(RhythmFeatures.Identifier, k, features, set.Rhythm(k))) sameFeatures++;

            int n = w.CopyContextBeats(row, ref context);
            RhythmFeatures.ComputeSet(withContext, m.BeatSamples.ToArray(), w.Row(row), fs, windowSamples,
                                      m.SignalQuality, m.BeatAgreement, servedContext, context: context.AsSpan(0, n));
            // The trainer's window (its samples, as MitBihWindows cut them) through the trainer's feature path.
            var trainerWindow = new float[]?[Leads.Count];
            foreach (var lead in w.RecordedLeads) trainerWindow[(int)lead] = set.Samples(k).Slice((int)lead * windowSamples, windowSamples).ToArray();
            WindowRhythm.Compute(trainerWindow, fs, trainerFeatures, trainerStream, k * 500, withContext);
            if (Agree(withContext, k, servedContext, trainerFeatures)) sameContext++;

            RhythmFeatures.ComputeSet(withAtrial, m.BeatSamples.ToArray(), w.Row(row), fs, windowSamples, m.SignalQuality, m.BeatAgreement,
                                      served7, servedNormalToNormal);
            WindowRhythm.Compute(trainerWindow, fs, trainer7, null, k * 500, withAtrial);
            if (Agree(withAtrial, k, served7, trainer7)) sameAtrial++;
            if (served7[2 * RhythmFeatures.Count] == 1) withAtrialWave++;

            // As the measure and infer stages compute rr-v6 (WindowMeasurer on the stream, BatchInference's NN half).
            var m6 = measurer.Measure(w, onBeatStream: true);
            int row6 = m6.AnalysisLead is { } l6 ? geometry.RowOf(l6) : -1;
            var streamed = w.CopyWindowBeats(ref windowBeats, ref rowStarts);
            if (m6.BeatSamples.Count > 0) withStreamBeats++;
            RhythmFeatures.ComputeSet(onStream, m6.BeatSamples.ToArray(), [], fs, windowSamples, m6.SignalQuality, m6.BeatAgreement, served6,
                                      context: row6 < 0 ? default : streamed.Row(row6));
            WindowRhythm.Compute(trainerWindow, fs, trainer6, trainerStream6, k * 500, onStream);
            if (Agree(onStream, k, served6, trainer6)) sameOnStream++;

            // rr-v8 as the infer stage writes it: rr-v6's inputs and the analysis lead's samples for the atrial half.
            RhythmFeatures.ComputeSet(onStreamWithAtrial, m6.BeatSamples.ToArray(), row6 < 0 ? [] : w.Row(row6), fs, windowSamples,
                                      m6.SignalQuality, m6.BeatAgreement, served8, context: row6 < 0 ? default : streamed.Row(row6));
            WindowRhythm.Compute(trainerWindow, fs, trainer8, trainerStream8, k * 500, onStreamWithAtrial);
            if (Agree(onStreamWithAtrial, k, served8, trainer8)) sameOnStreamWithAtrial++;
            if (served8[2 * RhythmFeatures.Count] == 1) withStreamAtrialWave++;

            // rr-v10 as the measure and infer stages compute it: nothing filtered or detected in the window.
            var m10 = measurer.Measure(w, onBeatStream: true, qualityOnStream: true);
            int row10 = m10.AnalysisLead is { } l10 ? geometry.RowOf(l10) : -1;
            RhythmFeatures.ComputeSet(streamQuality, m10.BeatSamples.ToArray(), row10 < 0 ? [] : w.Row(row10), fs, windowSamples,
                                      m10.SignalQuality, m10.BeatAgreement, served10, context: row10 < 0 ? default : streamed.Row(row10));
            WindowRhythm.Compute(trainerWindow, fs, trainer10, trainerStream10, k * 500, streamQuality);
            if (Agree(streamQuality, k, served10, trainer10)) sameStreamQuality++;
            worstQuality = Math.Max(worstQuality, Math.Abs(m10.SignalQuality - m6.SignalQuality));
            compared++;
            w.ReleaseSignal();
        }
        output.WriteLine($"{compared} windows compared; largest sample difference {worstSample:E2} mV; identical features in {sameFeatures}, identical rr-v5 features in {sameContext}, identical rr-v6 features in {sameOnStream} ({withStreamBeats} with stream beats), equal rr-v7 features in {sameAtrial} ({withAtrialWave} with an atrial template), equal rr-v8 features in {sameOnStreamWithAtrial} ({withStreamAtrialWave} with an atrial template)");
        Assert.True(compared >= 100, $"{compared} windows compared");
        // The streaming resampler and the whole-record one differ in the last bits; the bound is two of MIT-BIH's 5 µV steps.
        Assert.True(worstSample < 0.01, $"largest sample difference {worstSample} mV");
        Assert.Equal(compared, sameFeatures);
        Assert.Equal(compared, sameContext);
        Assert.Equal(compared, sameOnStream);
        Assert.Equal(compared, sameAtrial);
        Assert.True(withAtrialWave >= compared / 2, $"{withAtrialWave} of {compared} windows had an atrial template");
        Assert.Equal(compared, sameOnStreamWithAtrial);
        Assert.True(withStreamAtrialWave >= compared / 2, $"{withStreamAtrialWave} of {compared} windows had an atrial template on the stream's beats");
        Assert.True(withStreamBeats >= compared - 2, $"{withStreamBeats} of {compared} windows measured beats on the stream");
        output.WriteLine($"equal rr-v10 features in {sameStreamQuality}; largest |SQI on the stream − SQI in the window| {worstQuality:F3}");
        Assert.Equal(compared, sameStreamQuality);
    }

    /// <summary>The service's windows of the record's first <paramref name="seconds"/>, sent as 1 s segments of its leads.</summary>
    private static List<EcgWindow> ServiceWindows(EcgRecord record, WindowGeometry geometry, int seconds)
    {
        int rate = (int)record.SampleRateHz;
        var channels = record.Channels.Where(c => c.Lead is not null).ToArray();
        var windows = new List<EcgWindow>();
        // With the stream's quality on (as for an rr-v10 model): the beats are the same with it or without.
        using var registry = new PatientWindowerRegistry(geometry, new WindowingOptions { BeatStreamLeads = EpochAnchoredBeatStream.DefaultStreamedLeads }
                                                                     .ForModel(RhythmFeatures.StreamQualityIdentifier));
        for (int second = 0; second < seconds; second++)
        {
            var leads = channels.Select(c => new EcgLeadData(c.Lead!.Value, c.Label, c.Samples.AsSpan(second * rate, rate).ToArray(), false, [])).ToArray();
            registry.Add(new EcgSegmentData("parity", "parity-monitor", (ulong)second + 1, Origin.AddSeconds(second), 0, record.SampleRateHz, rate, leads),
                         Origin, windows);
        }
        registry.FlushAll(windows);
        return windows;
    }
}
