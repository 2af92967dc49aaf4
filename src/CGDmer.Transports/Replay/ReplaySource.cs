using System.Diagnostics;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using CGDmer.Contracts.Telemetry.V1;

namespace CGDmer.Transports.Replay;

/// <summary>How fast a replay runs.</summary>
public enum ReplayPace
{
    /// <summary>Each segment is published when a live device would have it complete (scaled by the speed factor).</summary>
    RealTime,
    /// <summary>As fast as the pipeline takes segments (it blocks the replay when it is full: back-pressure).</summary>
    AsFastAsPossible,
}

/// <summary>
/// Replays recordings as live telemetry of several patients: segments of all patients interleaved in the order a live
/// system would receive them (by the ECG time at which each segment is complete), either paced in real time or as fast
/// as possible. <see cref="Now"/> is the replay's receiver clock (the ECG time of the latest delivery), which the
/// validate stage uses so that "sane time" rules hold for a recording replayed faster than real time.
/// </summary>
public sealed class ReplaySource : ISegmentSource
{
    private readonly IReadOnlyList<RecordingSegmenter> _patients;
    private long _nowTicks;

    public ReplaySource(IReadOnlyList<RecordingSegmenter> patients, ReplayPace pace, double speed = 1.0)
    {
        ArgumentNullException.ThrowIfNull(patients);
        if (patients.Count == 0) throw new ArgumentException("nothing to replay", nameof(patients));
        if (!(speed > 0) || double.IsInfinity(speed)) throw new ArgumentOutOfRangeException(nameof(speed), speed, "speed must be a positive factor");
        _patients = patients;
        Pace = pace;
        Speed = speed;
        var first = patients.Min(p => p.StartTime);
        _nowTicks = first.UtcTicks;
        Start = first;
    }

    public ReplayPace Pace { get; }
    public double Speed { get; }
    /// <summary>ECG time at which the replay begins (the earliest patient start).</summary>
    public DateTimeOffset Start { get; }
    /// <summary>Total segments the replay will publish.</summary>
    public long SegmentCount => _patients.Sum(p => (long)p.SegmentCount);
    /// <summary>The replay's receiver clock: ECG time of the latest published segment's completion.</summary>
    public DateTimeOffset Now => new(Interlocked.Read(ref _nowTicks), TimeSpan.Zero);

    /// <summary>The segments, cold: each subscription replays from the start on its own thread.</summary>
    public IObservable<EcgSegment> Segments() => Observable.Create<EcgSegment>(observer =>
    {
        var cancel = new CancellationDisposable();
        var thread = new Thread(() => Run(observer, cancel.Token)) { IsBackground = true, Name = "replay-source" };
        thread.Start();
        return cancel;
    });

    private void Run(IObserver<EcgSegment> observer, CancellationToken ct)
    {
        try
        {
            // k-way merge of the patients' segments by completion time (ties: patient order), so delivery is causal.
            var queue = new PriorityQueue<(int Patient, int Segment), (long, int)>();
            for (int p = 0; p < _patients.Count; p++)
                if (_patients[p].SegmentCount > 0) queue.Enqueue((p, 0), (_patients[p].EndOf(0).UtcTicks, p));
            var clock = Stopwatch.StartNew();
            while (queue.TryDequeue(out var next, out var due))
            {
                if (ct.IsCancellationRequested) return;
                if (Pace == ReplayPace.RealTime)
                {
                    var wait = TimeSpan.FromTicks((long)((due.Item1 - Start.UtcTicks) / Speed)) - clock.Elapsed;
                    if (wait > TimeSpan.Zero && ct.WaitHandle.WaitOne(wait)) return;
                }
                var patient = _patients[next.Patient];
                var segment = patient.Segment(next.Segment);
                Interlocked.Exchange(ref _nowTicks, due.Item1);
                observer.OnNext(segment);
                if (next.Segment + 1 < patient.SegmentCount)
                    queue.Enqueue((next.Patient, next.Segment + 1), (patient.EndOf(next.Segment + 1).UtcTicks, next.Patient));
            }
            if (!ct.IsCancellationRequested) observer.OnCompleted();
        }
        catch (Exception e)
        {
            if (!ct.IsCancellationRequested) observer.OnError(e);
        }
    }
}
