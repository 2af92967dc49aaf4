using CGDmer.Signal.Dsp;

namespace CGDmer.Signal.Beats;

/// <summary>
/// The beats of one lead of a live stream, found and classified by <see cref="StreamingBeatClassifier"/>, such that every
/// beat is a function of a bounded span of the signal rather than of everything since the stream began: a restarted
/// service that re-reads that span finds the same beats.
/// </summary>
/// <remarks>
/// <para><b>Epochs.</b> Samples are numbered on an absolute grid (sample 0 at a fixed instant, the same for every
/// stream at this rate). Epoch <i>e</i> is [<i>e</i>·E, (<i>e</i>+1)·E). Its classifier starts fresh at
/// max(<i>e</i>·E − U, start of the run) (U: the warm-up), owns the beats whose R-peak lies in its epoch, and retires
/// <see cref="RetireAfterSamples"/> after the epoch's end with a flush, late enough for a search-back beat. Outside the
/// overlaps one classifier runs; the cost is (E + U + retirement) / E per sample.</para>
/// <para><b>Runs.</b> <see cref="Feed"/> takes consecutive samples; a sample that does not follow the last one (a gap, a
/// masked lead) starts a new run, and the beats of the old run not yet final are dropped.</para>
/// <para><b>Output order.</b> Beats come out ascending: while an epoch's classifier is still retiring, the next
/// epoch's beats wait for it (at most the retirement span, once per epoch).</para>
/// <para>The result does not depend on how the samples are cut into calls. Not thread-safe: one instance per lead.</para>
/// </remarks>
public sealed class EpochAnchoredBeatStream
{
    private sealed class EpochClassifier(double sampleRateHz, bool quality)
    {
        public StreamingBeatClassifier Classifier { get; } = new(sampleRateHz, quality);
        public long Epoch, Start;
        public bool Active;
    }

    private readonly double _fs;
    private EpochClassifier _older, _newer;   // _older owns the earlier epoch while both run
    private readonly List<ClassifiedBeat> _emitted = new(16);
    private readonly List<ClassifiedBeat> _waiting = new(16);   // the newer epoch's beats while the older retires
    private readonly List<QualityBlock> _emittedBlocks = new(4);
    private readonly List<long> _emittedSecond = new(8), _waitingSecond = new(8);
    private ICollection<QualityBlock>? _blocks;   // the quality outputs of the Feed or Flush in progress
    private ICollection<long>? _secondBeats;
    private long _next = long.MinValue;   // absolute index of the next sample of the run
    private long _runStart;

    /// <param name="sampleRateHz">The rate of the samples.</param>
    /// <param name="epochSamples">E: the epoch length in samples.</param>
    /// <param name="warmUpSamples">U: how long before its epoch a classifier starts (at least the detector's learning period).</param>
    /// <param name="quality">Also measure each lead's quality per second (<see cref="StreamingLeadQuality"/>): the blocks
    /// and second-detector beats of <see cref="Feed(long, ReadOnlySpan{float}, ICollection{ClassifiedBeat}, ICollection{QualityBlock}?, ICollection{long}?)"/>,
    /// owned by epoch as the beats are.</param>
    public EpochAnchoredBeatStream(double sampleRateHz, int epochSamples, int warmUpSamples, bool quality = false)
    {
        if (!(sampleRateHz > 0)) throw new ArgumentOutOfRangeException(nameof(sampleRateHz), sampleRateHz, "must be > 0");
        _fs = sampleRateHz;
        _older = new EpochClassifier(sampleRateHz, quality);
        _newer = new EpochClassifier(sampleRateHz, quality);
        MeasuresQuality = quality;
        double lookAhead = Math.Max(_older.Classifier.LookAheadSeconds, _older.Classifier.QualityLookAheadSeconds);
        RetireAfterSamples = (int)Math.Ceiling((StreamingQrsDetector.MaxSearchBackSeconds + lookAhead) * sampleRateHz) + 1;
        if (warmUpSamples < StreamingQrsDetector.LearningSeconds * sampleRateHz)
            throw new ArgumentOutOfRangeException(nameof(warmUpSamples), warmUpSamples,
                $"must cover the detector's learning period of {StreamingQrsDetector.LearningSeconds} s ({StreamingQrsDetector.LearningSeconds * sampleRateHz} samples)");
        if (epochSamples <= warmUpSamples + RetireAfterSamples)
            throw new ArgumentOutOfRangeException(nameof(epochSamples), epochSamples,
                $"must be longer than the warm-up and the retirement together ({warmUpSamples + RetireAfterSamples} samples), so that at most two classifiers run at once");
        EpochSamples = epochSamples;
        WarmUpSamples = warmUpSamples;
    }

    /// <summary>The service's epoch (the window stage's default), with which models reading the stream were trained.</summary>
    public const double DefaultEpochSeconds = 60;

    /// <summary>The service's warm-up (the window stage's default).</summary>
    public const double DefaultWarmUpSeconds = 10;

    /// <summary>Leads the window stage streams by default (a two-lead monitor's), and the trainer streams.</summary>
    public const int DefaultStreamedLeads = 2;

    public double SampleRateHz => _fs;

    /// <summary>Whether the stream also measures the lead's quality.</summary>
    public bool MeasuresQuality { get; }
    public int EpochSamples { get; }
    public int WarmUpSamples { get; }

    /// <summary>How long after its epoch's end a classifier still runs before it is flushed: the search-back span plus the classifier's look-ahead.</summary>
    public int RetireAfterSamples { get; }

    /// <summary>Absolute index of the sample the current run expects next, or null when there is no run.</summary>
    public long? NextSample => _next == long.MinValue ? null : _next;

    /// <summary>Ends the run (a gap or a masked lead): the next sample starts a new one; beats not yet final are dropped.</summary>
    public void Interrupt()
    {
        _next = long.MinValue;
        _older.Active = _newer.Active = false;
        _waiting.Clear();
        _waitingSecond.Clear();
    }

    /// <summary>
    /// At the end of a stream: retires the running classifiers now, flushed, and appends their beats (ascending); the
    /// run ends. Beats the classifiers would still have found after more samples are lost with the stream.
    /// </summary>
    public void Flush(ICollection<ClassifiedBeat> beats) => Flush(beats, null, null);

    /// <summary>As <see cref="Flush(ICollection{ClassifiedBeat})"/>, with the quality's last blocks and second-detector beats.</summary>
    public void Flush(ICollection<ClassifiedBeat> beats, ICollection<QualityBlock>? blocks, ICollection<long>? secondBeats)
    {
        ArgumentNullException.ThrowIfNull(beats);
        (_blocks, _secondBeats) = (blocks, secondBeats);
        try
        {
            while (_older.Active) Retire(beats);   // the older first, then the newer, which Retire moved into its place
        }
        finally { (_blocks, _secondBeats) = (null, null); }
        Interrupt();
    }

    /// <summary>
    /// Processes <paramref name="samples"/> (mV), whose first sample has absolute index <paramref name="start"/>, and
    /// appends the beats that became final, ascending, with absolute sample indices. A <paramref name="start"/> other
    /// than <see cref="NextSample"/> starts a new run there.
    /// </summary>
    public void Feed(long start, ReadOnlySpan<float> samples, ICollection<ClassifiedBeat> beats) => Feed(start, samples, beats, null, null);

    /// <summary>
    /// As <see cref="Feed(long, ReadOnlySpan{float}, ICollection{ClassifiedBeat})"/>; a stream that measures quality also
    /// appends the quality blocks completed (<paramref name="blocks"/>, ascending) and the second detector's final
    /// beats (<paramref name="secondBeats"/>, ascending), with absolute indices, each owned by its epoch's classifier.
    /// </summary>
    /// <exception cref="InvalidOperationException">Quality outputs were given to a stream made without quality.</exception>
    public void Feed(long start, ReadOnlySpan<float> samples, ICollection<ClassifiedBeat> beats, ICollection<QualityBlock>? blocks, ICollection<long>? secondBeats)
    {
        ArgumentNullException.ThrowIfNull(beats);
        if ((blocks is not null || secondBeats is not null) && !MeasuresQuality)
            throw new InvalidOperationException("this stream was made without quality");
        (_blocks, _secondBeats) = (blocks, secondBeats);
        try
        {
            FeedSamples(start, samples, beats);
        }
        finally { (_blocks, _secondBeats) = (null, null); }
    }

    private void FeedSamples(long start, ReadOnlySpan<float> samples, ICollection<ClassifiedBeat> beats)
    {
        if (start != _next)
        {
            Interrupt();
            _runStart = start;
            _next = start;
        }
        int offset = 0;
        while (offset < samples.Length)
        {
            long p = _next;
            StartDue(p);
            // Up to the next event: a classifier starting or retiring.
            long until = p + (samples.Length - offset);
            long nextStart = NextStartAfter(p);
            if (nextStart < until) until = nextStart;
            if (_older.Active) until = Math.Min(until, RetireAt(_older));
            if (_newer.Active) until = Math.Min(until, RetireAt(_newer));
            int m = (int)(until - p);
            var part = samples.Slice(offset, m);
            if (_older.Active) Run(_older, part, beats, holdBack: false);
            if (_newer.Active) Run(_newer, part, beats, holdBack: _older.Active);
            offset += m;
            _next = until;
            RetireDue(beats);
        }
    }

    private long RetireAt(EpochClassifier c) => (c.Epoch + 1) * EpochSamples + RetireAfterSamples;

    private long StartOf(long epoch) => Math.Max(epoch * EpochSamples - WarmUpSamples, _runStart);

    /// <summary>The first classifier start after <paramref name="p"/>: that of the epoch whose warm-up begins next.</summary>
    private long NextStartAfter(long p)
    {
        long e = IntegerDivision.FloorDiv(p + WarmUpSamples, EpochSamples) + 1;
        return e * EpochSamples - WarmUpSamples;
    }

    /// <summary>
    /// Starts the classifiers due at <paramref name="p"/>: that of the epoch whose warm-up begins here, and at a run's
    /// start those of the epoch it falls in and of the next one if its warm-up has begun. A classifier is never started
    /// for an epoch that has ended: it would own no beat.
    /// </summary>
    private void StartDue(long p)
    {
        long current = IntegerDivision.FloorDiv(p, EpochSamples);
        for (long e = current; e <= current + 1; e++)
        {
            if (StartOf(e) != p || p >= (e + 1) * EpochSamples || (_older.Active && _older.Epoch == e) || (_newer.Active && _newer.Epoch == e)) continue;
            if (_older.Active && _newer.Active) throw new InvalidOperationException("a third epoch classifier would run"); // E > U + retirement rules it out
            var slot = _older.Active ? _newer : _older;
            slot.Classifier.Reset(p);
            slot.Epoch = e;
            slot.Start = p;
            slot.Active = true;
        }
    }

    private void Swap() => (_older, _newer) = (_newer, _older);

    private void Run(EpochClassifier c, ReadOnlySpan<float> part, ICollection<ClassifiedBeat> beats, bool holdBack)
    {
        _emitted.Clear();
        if (MeasuresQuality) c.Classifier.Process(part, _emitted, _emittedBlocks, _emittedSecond);
        else c.Classifier.Process(part, _emitted);
        Keep(c, holdBack ? _waiting : beats, holdBack ? _waitingSecond : _secondBeats);
    }

    /// <summary>The classifier's outputs that its epoch owns: beats (made absolute), blocks and second beats (already absolute).</summary>
    private void Keep(EpochClassifier c, ICollection<ClassifiedBeat> into, ICollection<long>? secondInto)
    {
        long from = c.Epoch * EpochSamples, to = from + EpochSamples;
        foreach (var b in _emitted)
        {
            long r = c.Start + b.Sample;
            if (r >= from && r < to) into.Add(b with { Sample = r });
        }
        _emitted.Clear();
        if (!MeasuresQuality) return;
        foreach (var block in _emittedBlocks)
            if (block.Start >= from && block.Start < to) _blocks?.Add(block);
        foreach (long r in _emittedSecond)
            if (r >= from && r < to) secondInto?.Add(r);
        _emittedBlocks.Clear();
        _emittedSecond.Clear();
    }

    private void RetireDue(ICollection<ClassifiedBeat> beats)
    {
        // Only _older can be due: when one classifier runs it is _older, and a newer one retires an epoch later.
        if (_older.Active && _next >= RetireAt(_older)) Retire(beats);
    }

    /// <summary>Flushes the older classifier, appends its last beats and then the newer one's that waited, and makes the newer one the older.</summary>
    private void Retire(ICollection<ClassifiedBeat> beats)
    {
        _emitted.Clear();
        if (MeasuresQuality) _older.Classifier.Flush(_emitted, _emittedBlocks, _emittedSecond);
        else _older.Classifier.Flush(_emitted);
        Keep(_older, beats, _secondBeats);
        _older.Active = false;
        foreach (var b in _waiting) beats.Add(b);
        _waiting.Clear();
        if (_secondBeats is not null) foreach (long r in _waitingSecond) _secondBeats.Add(r);
        _waitingSecond.Clear();
        Swap();
    }
}
