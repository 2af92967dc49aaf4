using CGDmer.Signal;
using CGDmer.Signal.Beats;

namespace CGDmer.Trainer.Data;

/// <summary>
/// The window stage's beat stream over one recording, as the service runs it (<c>PatientBeatStream</c>): the first
/// <see cref="EpochAnchoredBeatStream.DefaultStreamedLeads"/> leads present, in lead order (the model's row order), each
/// resampled but not preprocessed, fed once from the recording's start, with the service's epoch and warm-up. A window
/// reads the beats that were final when its last sample had been fed. Not thread-safe.
/// </summary>
public sealed class RecordBeatStream
{
    private readonly float[]?[] _leads;
    private readonly int _length, _contextSamples;
    private readonly List<(Lead Lead, EpochAnchoredBeatStream Stream, List<ClassifiedBeat> Beats)> _streams = [];
    private readonly List<(List<QualityBlock> Blocks, List<long> Second)>? _quality;   // per stream, with quality
    private readonly long _origin;
    private int _fed;

    /// <param name="leads">Per <see cref="Lead"/>, the recording's samples at <paramref name="sampleRateHz"/> (null = absent), before preprocessing.</param>
    /// <param name="length">Samples to stream (at most every lead's length).</param>
    /// <param name="origin">The absolute index of the recording's first sample on the service's grid (sample 0 at the
    /// Unix epoch), which places the epochs; 0 in training, where any placement is as good.</param>
    /// <param name="firstSample">Where the stream starts (the service's first window of a patient).</param>
    /// <param name="quality">Also measure each streamed lead's quality (<see cref="WindowQuality"/>), for a set that takes it from the stream (<c>rr-v10</c>).</param>
    public RecordBeatStream(IReadOnlyList<float[]?> leads, int sampleRateHz, int length, int windowSamples, long origin = 0, int firstSample = 0,
                            bool quality = false)
    {
        _leads = [.. leads];
        _length = length;
        _origin = origin;
        _fed = firstSample;
        _contextSamples = RhythmFeatures.ContextSamples(sampleRateHz, windowSamples);
        int epoch = (int)Math.Round(EpochAnchoredBeatStream.DefaultEpochSeconds * sampleRateHz);
        int warmUp = (int)Math.Round(EpochAnchoredBeatStream.DefaultWarmUpSeconds * sampleRateHz);
        for (int l = 0; l < _leads.Length && _streams.Count < EpochAnchoredBeatStream.DefaultStreamedLeads; l++)
            if (_leads[l] is not null) _streams.Add(((Lead)l, new EpochAnchoredBeatStream(sampleRateHz, epoch, warmUp, quality), new List<ClassifiedBeat>()));
        if (quality) _quality = [.. _streams.Select(_ => (new List<QualityBlock>(), new List<long>()))];
    }

    /// <summary>A stream over one clip (a 10-s recording): it starts with the clip, as a patient's first window does.</summary>
    public static RecordBeatStream OverClip(IReadOnlyList<float[]?> rows, int sampleRateHz, int windowSamples, bool quality = false) =>
        new(rows, sampleRateHz, windowSamples, windowSamples, quality: quality);

    /// <summary>Whether the stream measures its leads' quality.</summary>
    public bool MeasuresQuality => _quality is not null;

    /// <summary>
    /// Feeds the stream through the end of the window starting at <paramref name="windowStart"/> and returns each streamed
    /// lead's quality blocks lying wholly inside the window and its second detector's final beats there (relative to the
    /// window's start): what the service's measure stage reads for a set that takes the quality from the stream
    /// (<c>PatientBeatStream.CollectQuality</c>).
    /// </summary>
    /// <exception cref="InvalidOperationException">The stream was made without quality.</exception>
    public IReadOnlyList<(Lead Lead, QualityBlock[] Blocks, int[] SecondBeats)> WindowQuality(int windowStart, int windowSamples)
    {
        if (_quality is null) throw new InvalidOperationException("this beat stream was made without quality");
        FeedThrough(windowStart, windowSamples);
        long from = _origin + windowStart, to = from + windowSamples;
        var result = new List<(Lead, QualityBlock[], int[])>(_streams.Count);
        for (int i = 0; i < _streams.Count; i++)
        {
            var (blocks, second) = _quality[i];
            int stale = 0;
            while (stale < blocks.Count && blocks[stale].Start < from) stale++;
            blocks.RemoveRange(0, stale);
            stale = 0;
            while (stale < second.Count && second[stale] < from) stale++;
            second.RemoveRange(0, stale);
            result.Add((_streams[i].Lead, [.. blocks.Where(b => b.Start + b.Samples <= to)], [.. second.Where(r => r < to).Select(r => (int)(r - from))]));
        }
        return result;
    }

    /// <summary>
    /// Feeds the stream through the end of the window starting at <paramref name="windowStart"/> and returns the context
    /// beats of <paramref name="analysisLead"/>, or, when it has none there, of the first streamed lead that has any
    /// (as <c>EcgWindow.CopyContextBeats</c> chooses in the service), relative to the window's start.
    /// </summary>
    public ClassifiedBeat[] Context(Lead? analysisLead, int windowStart, int windowSamples)
    {
        FeedThrough(windowStart, windowSamples);
        long to = _origin + windowStart + windowSamples, from = to - _contextSamples;
        List<ClassifiedBeat>? chosen = null;
        foreach (var (lead, _, beats) in _streams)
        {
            ForgetBefore(beats, from);
            bool any = beats.Count > 0 && beats[0].Sample < to;
            if (any && (lead == analysisLead || chosen is null)) chosen = beats;
        }
        if (chosen is null) return [];
        int n = 0;
        while (n < chosen.Count && chosen[n].Sample < to) n++;
        var context = new ClassifiedBeat[n];
        for (int i = 0; i < n; i++) context[i] = chosen[i] with { Sample = chosen[i].Sample - _origin - windowStart };
        return context;
    }

    /// <summary>
    /// Feeds the stream through the end of the window starting at <paramref name="windowStart"/> and returns each streamed
    /// lead's final beats inside the window, relative to its start: what the service's measure stage reads for a model
    /// measured on the stream (<c>EcgWindow.CopyWindowBeats</c>).
    /// </summary>
    public IReadOnlyList<(Lead Lead, ClassifiedBeat[] Beats)> WindowBeats(int windowStart, int windowSamples)
    {
        FeedThrough(windowStart, windowSamples);
        long from = _origin + windowStart, to = from + windowSamples;
        var result = new List<(Lead, ClassifiedBeat[])>(_streams.Count);
        foreach (var (lead, _, beats) in _streams)
        {
            ForgetBefore(beats, from);
            var inside = new List<ClassifiedBeat>();
            foreach (var b in beats)
                if (b.Sample >= from && b.Sample < to) inside.Add(b with { Sample = b.Sample - from });
            result.Add((lead, [.. inside]));
        }
        return result;
    }

    /// <summary>Windows come in order: the beats before <paramref name="from"/> (what this window reads) no later window reads.</summary>
    private static void ForgetBefore(List<ClassifiedBeat> beats, long from)
    {
        int stale = 0;
        while (stale < beats.Count && beats[stale].Sample < from) stale++;
        beats.RemoveRange(0, stale);
    }

    private void FeedThrough(int windowStart, int windowSamples)
    {
        int end = Math.Min(_length, windowStart + windowSamples);
        if (end <= _fed) return;
        for (int i = 0; i < _streams.Count; i++)
        {
            var (lead, stream, beats) = _streams[i];
            if (_quality is null) stream.Feed(_origin + _fed, _leads[(int)lead].AsSpan(_fed, end - _fed), beats);
            else stream.Feed(_origin + _fed, _leads[(int)lead].AsSpan(_fed, end - _fed), beats, _quality[i].Blocks, _quality[i].Second);
        }
        _fed = end;
    }
}
