using CGDmer.Pipeline.Validation;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal;
using CGDmer.Signal.Beats;
using CGDmer.Signal.Wfdb;
using static CGDmer.TestSupport.WindowTestData;

namespace CGDmer.Pipeline.Tests.Windowing;

/// <summary>
/// The window stage's beat stream (<see cref="EcgWindow.StreamBeats"/>): the beats of a classifier run once over the
/// stream, and the same beats in every window a restart builds again from the held inputs.
/// </summary>
public class PatientBeatStreamTests
{
    private const int Seconds = 420;

    /// <summary>MIT-BIH 201 (MLII, V1; AF, PVCs) in 1-s segments numbered as a pipeline numbers its inputs.</summary>
    private static readonly Lazy<(WfdbRecord Record, List<EcgSegmentData> Segments)> Record201 = new(() =>
    {
        var record = WfdbReader.Read(FindRecord("201"));
        var segments = new List<EcgSegmentData>();
        for (int sec = 0; sec < Seconds; sec++)
        {
            var leads = record.Ecg.Channels.Select(ch => new EcgLeadData(ch.Lead!.Value, ch.Label, ch.Samples.AsSpan(sec * 360, 360).ToArray(), false, [])).ToList();
            segments.Add(new EcgSegmentData("rec-201", "mitbih", (ulong)sec + 1, T0.AddSeconds(sec), 0, 360, 360, leads) { InputOrdinal = sec + 1 });
        }
        return (record, segments);
    });

    /// <summary>The beat stream on both leads of a two-lead monitor (it is off by default).</summary>
    private static WindowingOptions Streaming => new() { BeatStreamLeads = 2 };

    /// <summary>The same with the leads' quality summed on the stream, as for an <c>rr-v10</c> model.</summary>
    private static WindowingOptions StreamingWithQuality => Streaming.ForModel(RhythmFeatures.StreamQualityIdentifier);

    private static List<EcgWindow> Windows(IEnumerable<EcgSegmentData> segments, WindowingOptions? options = null)
    {
        using var windower = new PatientWindower("rec-201", Geometry, options ?? Streaming);
        var output = new List<EcgWindow>();
        foreach (var s in segments) windower.Add(s, output);
        return output;
    }

    [Fact]
    public void A_window_holds_the_beats_of_its_context_that_a_classifier_run_once_over_each_lead_had_made_final_when_the_window_was_built()
    {
        var (record, segments) = Record201.Value;
        var windows = Windows(segments);
        var options = Streaming;
        long hop = 500, first = windows[0].Index * hop;
        foreach (var (lead, row) in new[] { (Lead.II, 0), (Lead.V1, 1) })
        {
            // The reference: the whole lead resampled at once, fed to one stream window by window as the stage feeds it.
            var x = record.Ecg.Channels.Single(c => c.Lead == lead).Samples.AsSpan(0, Seconds * 360).ToArray();
            var whole = Signal.Dsp.Resampler.Resample(x, 360, 100);
            long t0 = (long)Math.Round((T0 - DateTimeOffset.UnixEpoch).TotalSeconds * 100);
            var stream = new EpochAnchoredBeatStream(100, (int)(options.BeatEpochSeconds * 100), (int)(options.BeatWarmUpSeconds * 100));
            var final = new List<ClassifiedBeat>();
            int matched = 0, total = 0;
            foreach (var w in windows)
            {
                long start = w.Index * hop, from = w.Index == windows[0].Index ? start : start + 1000 - hop;
                stream.Feed(from, whole.AsSpan((int)(from - t0), (int)(start + 1000 - from)), final);
                // The context: the 30 s ending with the window (RhythmFeatures.ContextSeconds).
                var expected = final.Where(b => b.Sample >= start + 1000 - 3000 && b.Sample < start + 1000).Select(b => (b.Sample - start, b.Type)).ToList();
                var actual = w.StreamBeats.Where(b => b.Row == row).Select(b => ((long)b.Sample, b.Type)).ToList();
                total += expected.Count;
                matched += expected.Intersect(actual).Count();
                Assert.True(Math.Abs(expected.Count - actual.Count) <= 1, $"{lead} window {w.Index}: {expected.Count} beats expected, {actual.Count} found");
            }
            // The stage resamples window by window, the reference at once: the samples agree to 1e-4 mV, and on this
            // record every beat and class agrees (another record could flip a decision on the edge of a threshold).
            Assert.True(total > 3000, $"{total} beats");   // each beat in up to six windows' contexts
            Assert.True(matched == total, $"{lead}: {matched} of {total} beats and classes agree");
        }
        Assert.Contains(windows.SelectMany(w => w.StreamBeats), b => b.Type == BeatType.Ventricular);
        Release(windows);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_restart_from_the_first_unsettled_input_builds_every_window_not_yet_delivered_with_the_same_beats(bool quality)
    {
        var segments = Record201.Value.Segments;
        var options = quality ? StreamingWithQuality : Streaming;
        var windows = Windows(segments, options);
        Assert.True(windows.Count > 70);
        int checkedRestarts = 0;
        for (int delivered = 0; delivered < windows.Count - 1; delivered += 5)
        {
            // Crash after window `delivered` was delivered: the transport re-reads every input its settlement left open.
            long settledThrough = windows[delivered].Settlement.InputsThrough;
            var rebuilt = Windows(segments.Where(s => s.InputOrdinal > settledThrough), options);
            var undelivered = windows.Skip(delivered + 1).ToList();
            var again = rebuilt.Where(w => w.Index > windows[delivered].Index).ToList();
            AssertSameWindows(undelivered, again);
            checkedRestarts++;
            Release(rebuilt);
        }
        Assert.True(checkedRestarts > 10);
        Release(windows);
    }

    [Fact]
    public void Without_the_epochs_hold_a_restart_would_find_other_beats()
    {
        // The test above bites: re-read from only the inputs the windows themselves read (no beat stream held them), a
        // restart in the middle of an epoch finds other beats in at least one window.
        var segments = Record201.Value.Segments;
        var windows = Windows(segments);
        var plain = Windows(segments, new WindowingOptions { BeatStreamLeads = 0 });
        bool differs = false;
        for (int delivered = 3; delivered < windows.Count - 1 && !differs; delivered += 5)
        {
            long settledThrough = plain[delivered].Settlement.InputsThrough;
            var rebuilt = Windows(segments.Where(s => s.InputOrdinal > settledThrough));
            var again = rebuilt.Where(w => w.Index > windows[delivered].Index).ToList();
            differs = !SameWindows(windows.Skip(delivered + 1).ToList(), again);
            Release(rebuilt);
        }
        Assert.True(differs);
        Release(windows);
        Release(plain);
    }

    [Fact]
    public void Off_and_on_a_masked_lead_the_stream_restarts_and_the_beats_stay_inside_their_windows_contexts()
    {
        // 3 minutes of the synthetic two-lead signal with V1 off for 20 s in the middle.
        var segments = Stream("p1", 250, 0, 180);
        var windows = Run(segments.Select(s => s.StartTime >= T0.AddSeconds(80) && s.StartTime < T0.AddSeconds(100) ? WithLeadOff(s, Lead.V1) : s), Streaming);
        Assert.All(windows, w => Assert.All(w.StreamBeats, b => Assert.InRange(b.Sample, w.Geometry.WindowSamples - 3000, w.Geometry.WindowSamples - 1)));
        Assert.All(windows.Where(w => w.MissingLeads.Contains(Lead.V1)), w => Assert.DoesNotContain(w.StreamBeats, b => b.Row == 1));
        Assert.Contains(windows, w => w.StreamBeats.Any(b => b.Row == 1) && w.Start > T0.AddSeconds(110));
        Release(windows);
    }

    [Fact]
    public void With_quality_a_window_carries_each_streamed_rows_seconds_inside_it_and_the_second_detectors_beats_there()
    {
        var windows = Windows(Record201.Value.Segments, StreamingWithQuality);
        var measurer = new CGDmer.Pipeline.Measurement.WindowMeasurer();
        int measured = 0;
        foreach (var w in windows.Skip(1))
        {
            var q = w.StreamQuality!;
            long start = w.Index * 500;
            for (int row = 0; row < 2; row++)
            {
                var blocks = q.Blocks.AsSpan(q.BlockStarts[row], q.BlockStarts[row + 1] - q.BlockStarts[row]).ToArray();
                Assert.Equal(Enumerable.Range(0, 10).Select(i => start + 100L * i), blocks.Select(b => b.Start));
                Assert.All(blocks, b => Assert.Equal(100, b.Samples));
                var second = q.SecondBeats.AsSpan(q.BeatStarts[row], q.BeatStarts[row + 1] - q.BeatStarts[row]).ToArray();
                Assert.All(second, r => Assert.InRange(r, 0, 999));
                Assert.True(second.Length >= 5, $"window {w.Index} row {row}: {second.Length} second-detector beats");
            }
            var m = measurer.Measure(w, onBeatStream: true, qualityOnStream: true);
            if (m.SignalQuality > 0.3) measured++;
        }
        Assert.True(measured > windows.Count * 3 / 4, $"{measured} of {windows.Count} windows of 201 measured with SQI > 0.3 from the stream");
        // Without quality on the stream, a measurement that asks for it is refused.
        var plain = Windows(Record201.Value.Segments.Take(30), Streaming);
        Assert.Null(plain[^1].StreamQuality);
        Assert.Throws<InvalidOperationException>(() => measurer.Measure(plain[^1], onBeatStream: true, qualityOnStream: true));
        Release(windows);
        Release(plain);
    }

    [Fact]
    public void Quality_on_the_stream_follows_the_models_features_not_the_configuration()
    {
        Assert.True(new WindowingOptions().ForModel(RhythmFeatures.StreamQualityIdentifier).BeatStreamQuality);
        Assert.False(new WindowingOptions().ForModel(RhythmFeatures.StreamMeasuredWithAtrialActivityIdentifier).BeatStreamQuality);
        Assert.False(new WindowingOptions().ForModel(null).BeatStreamQuality);
    }

    [Fact]
    public void The_stream_is_off_by_default()
    {
        var windows = Run(Stream("p1", 250, 0, 60), new WindowingOptions());
        Assert.All(windows, w => Assert.Empty(w.StreamBeats));
        Release(windows);
    }

    private static EcgSegmentData WithLeadOff(EcgSegmentData s, Lead lead) =>
        new(s.PatientId, s.DeviceId, s.Sequence, s.StartTime, 0, s.SampleRateHz, s.SampleCount,
            s.Leads.Select(l => l.Lead == lead ? new EcgLeadData(l.Lead, l.SourceName, l.SamplesMv, true, []) : l).ToList());

    private static string FindRecord(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "data", "mitbih", name);
            if (File.Exists(candidate + ".hea")) return candidate;
        }
        throw new FileNotFoundException($"data/mitbih/{name}.hea not found above {AppContext.BaseDirectory}");
    }
}
