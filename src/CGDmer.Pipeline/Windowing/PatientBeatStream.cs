using CGDmer.Signal.Beats;
using CGDmer.Signal.Dsp;

namespace CGDmer.Pipeline.Windowing;

/// <summary>A beat of the patient's beat stream in a window's context (the window and the time before it that the rhythm features read).</summary>
/// <param name="Row">The model row (lead) it was found in.</param>
/// <param name="Sample">R-peak, as a sample index relative to the window's start at the model's rate: negative before the window.</param>
/// <param name="Type">Normal or ventricular, as the lead's classifier tells it.</param>
/// <param name="SearchBack">Found by the detector's search-back.</param>
public readonly record struct StreamBeat(int Row, int Sample, BeatType Type, bool SearchBack);

/// <summary>
/// One patient's beat stream: per streamed lead, an <see cref="EpochAnchoredBeatStream"/> fed once per sample with the
/// resampled (not yet preprocessed) rows of the windows as they are built, so each window adds only the samples after
/// the previous one's end. Which rows: the first <see cref="WindowingOptions.BeatStreamLeads"/> present rows of each
/// window in row order. A row that is not streamed in a window, or a window that does not follow on, ends the row's run.
/// Owned by the patient's <see cref="PatientWindower"/>; not thread-safe.
/// </summary>
/// <remarks>
/// Sample indices are absolute on the model-rate grid (window k starts at k × hop), so the epochs are the same for
/// every patient and every restart. A beat reaches the first window built after it became final: the look-ahead (about
/// half a second) or a search-back (at most a few seconds) later than its R-peak, so a window lacks the beats of its
/// last moments, which the next window, overlapping it, has.
/// </remarks>
internal sealed class PatientBeatStream
{
    private readonly WindowGeometry _geometry;
    private readonly int _maxLeads, _epochSamples, _warmUpSamples, _contextSamples;
    private readonly long _hopSamples;
    private readonly EpochAnchoredBeatStream?[] _streams;
    private readonly List<ClassifiedBeat>?[] _beats;   // per row: final beats within the last window's context and after it
    private readonly bool _quality;
    private readonly List<QualityBlock>?[] _blocks;   // per row, with quality: blocks from the last window's start on
    private readonly List<long>?[] _second;           // per row, with quality: the second detector's beats, likewise
    private int _streamedThisWindow, _streamedRows;

    public PatientBeatStream(WindowGeometry geometry, WindowingOptions options)
    {
        _geometry = geometry;
        _maxLeads = options.BeatStreamLeads ?? 0;   // unset here: the pipeline resolves it for the model (WindowingOptions.ForModel)
        _hopSamples = (long)Math.Round(options.HopSeconds * geometry.SampleRateHz);
        _epochSamples = (int)Math.Round(options.BeatEpochSeconds * geometry.SampleRateHz);
        _warmUpSamples = (int)Math.Round(options.BeatWarmUpSeconds * geometry.SampleRateHz);
        _contextSamples = RhythmFeatures.ContextSamples(geometry.SampleRateHz, geometry.WindowSamples);
        _streams = new EpochAnchoredBeatStream?[geometry.LeadCount];
        _beats = new List<ClassifiedBeat>?[geometry.LeadCount];
        _quality = options.BeatStreamQuality;
        _blocks = new List<QualityBlock>?[geometry.LeadCount];
        _second = new List<long>?[geometry.LeadCount];
    }

    /// <summary>Absolute model-rate index of grid window <paramref name="k"/>'s first sample.</summary>
    public long WindowStart(long k) => k * _hopSamples;

    /// <summary>
    /// The last window whose beats can depend on an input first read by the window starting at model index
    /// <paramref name="firstReaderStart"/>: the classifiers that may have read it are those of the epochs up to the one
    /// whose warm-up holds that start, and windows read an epoch's beats until their context (which ends with them)
    /// has passed the epoch's end.
    /// </summary>
    public long LastWindowReadingEpochOf(long firstReaderStart)
    {
        long epoch = IntegerDivision.FloorDiv(firstReaderStart + _warmUpSamples, _epochSamples);
        long contextBeforeStart = _contextSamples - _geometry.WindowSamples;
        return IntegerDivision.FloorDiv((epoch + 1) * _epochSamples + contextBeforeStart - 1, _hopSamples);
    }

    public void BeginWindow() => _streamedThisWindow = _streamedRows = 0;

    /// <summary>Bit r set: row r was streamed in the window being built (its beats in the window are the stream's).</summary>
    public int StreamedRows => _streamedRows;

    /// <summary>Feeds present row <paramref name="row"/> of window <paramref name="k"/>, resampled, before preprocessing.</summary>
    public void Feed(int row, long k, ReadOnlySpan<float> resampled)
    {
        if (_streamedThisWindow >= _maxLeads) { Interrupt(row); return; }
        _streamedThisWindow++;
        _streamedRows |= 1 << row;
        var stream = _streams[row] ??= new EpochAnchoredBeatStream(_geometry.SampleRateHz, _epochSamples, _warmUpSamples, _quality);
        var beats = _beats[row] ??= new List<ClassifiedBeat>(32);
        long start = WindowStart(k), end = start + resampled.Length;
        long from = stream.NextSample is long next && next >= start && next <= end ? next : start;
        if (from != stream.NextSample)
        {
            // A new run: the old one's beats are not the new run's context, nor its quality.
            beats.Clear();
            _blocks[row]?.Clear();
            _second[row]?.Clear();
        }
        if (_quality) stream.Feed(from, resampled[(int)(from - start)..], beats, _blocks[row] ??= new(16), _second[row] ??= new(16));
        else stream.Feed(from, resampled[(int)(from - start)..], beats);
    }

    /// <summary>Row <paramref name="row"/> is not streamed in this window: its run ends.</summary>
    public void Interrupt(int row)
    {
        _streams[row]?.Interrupt();
        _beats[row]?.Clear();
        _blocks[row]?.Clear();
        _second[row]?.Clear();
    }

    /// <summary>Every run ends (the patient's run of windows ended).</summary>
    public void InterruptAll()
    {
        for (int row = 0; row < _streams.Length; row++) Interrupt(row);
    }

    /// <summary>
    /// The final beats of window <paramref name="k"/>'s context (<see cref="RhythmFeatures.ContextSamples"/>, ending with
    /// the window), row by row, ascending, relative to the window's start; forgets the ones before it.
    /// </summary>
    public StreamBeat[] Collect(long k)
    {
        long end = WindowStart(k) + _geometry.WindowSamples, start = WindowStart(k), from = end - _contextSamples;
        int count = 0;
        foreach (var list in _beats)
        {
            if (list is null) continue;
            int drop = 0;
            while (drop < list.Count && list[drop].Sample < from) drop++;
            if (drop > 0) list.RemoveRange(0, drop);
            foreach (var b in list) if (b.Sample < end) count++;
        }
        if (count == 0) return [];
        var result = new StreamBeat[count];
        int i = 0;
        for (int row = 0; row < _beats.Length; row++)
        {
            var list = _beats[row];
            if (list is null) continue;
            foreach (var b in list)
                if (b.Sample < end) result[i++] = new StreamBeat(row, (int)(b.Sample - start), b.Type, b.SearchBack);
        }
        return result;
    }

    /// <summary>
    /// With quality on: each streamed row's quality blocks that lie wholly inside window <paramref name="k"/> and its
    /// second detector's final beats there (relative to the window's start); forgets what lies before the window.
    /// Null without quality.
    /// </summary>
    public WindowStreamQuality? CollectQuality(long k)
    {
        if (!_quality) return null;
        long start = WindowStart(k), end = start + _geometry.WindowSamples;
        int rows = _geometry.LeadCount, blockCount = 0, beatCount = 0;
        for (int row = 0; row < rows; row++)
        {
            if ((_streamedRows & (1 << row)) == 0) continue;
            var blocks = _blocks[row];
            var second = _second[row];
            if (blocks is not null)
            {
                int drop = 0;
                while (drop < blocks.Count && blocks[drop].Start < start) drop++;
                blocks.RemoveRange(0, drop);
                foreach (var b in blocks) if (b.Start + b.Samples <= end) blockCount++;
            }
            if (second is not null)
            {
                int drop = 0;
                while (drop < second.Count && second[drop] < start) drop++;
                second.RemoveRange(0, drop);
                foreach (long r in second) if (r < end) beatCount++;
            }
        }
        var quality = new WindowStreamQuality(new QualityBlock[blockCount], new int[rows + 1], new int[beatCount], new int[rows + 1]);
        int bi = 0, si = 0;
        for (int row = 0; row < rows; row++)
        {
            quality.BlockStarts[row] = bi;
            quality.BeatStarts[row] = si;
            if ((_streamedRows & (1 << row)) == 0) continue;
            if (_blocks[row] is { } blocks)
                foreach (var b in blocks) if (b.Start + b.Samples <= end) quality.Blocks[bi++] = b;
            if (_second[row] is { } second)
                foreach (long r in second) if (r < end) quality.SecondBeats[si++] = (int)(r - start);
        }
        quality.BlockStarts[rows] = bi;
        quality.BeatStarts[rows] = si;
        return quality;
    }
}

/// <summary>
/// The beat stream's quality inside one window (<see cref="EcgWindow.StreamQuality"/>): row r's per-second blocks are
/// <c>Blocks[BlockStarts[r]..BlockStarts[r + 1]]</c> (absolute sample indices), its second-detector beats
/// <c>SecondBeats[BeatStarts[r]..BeatStarts[r + 1]]</c> (relative to the window's start).
/// </summary>
public sealed record WindowStreamQuality(QualityBlock[] Blocks, int[] BlockStarts, int[] SecondBeats, int[] BeatStarts)
{
    /// <summary>The view <see cref="BeatMeasurer"/> reads.</summary>
    public StreamedQuality AsStreamed() => new(BlockStarts, Blocks, BeatStarts, SecondBeats);
}
