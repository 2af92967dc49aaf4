using CGDmer.Signal.Wfdb;

namespace CGDmer.Evaluation.Ec57;

/// <summary>A detector's beats on one record scored against its reference annotations: beat by beat and by heart rate.</summary>
public sealed record DetectorRecordScore(BeatByBeatResult Beats, HeartRateResult HeartRate, IReadOnlyList<int> DetectedBeats);

/// <summary>
/// Scores a <see cref="BeatDetector"/> on annotated WFDB records: it reads the record and its <c>.atr</c> reference,
/// runs the detector on the chosen leads and compares its beats with the reference (<see cref="BeatByBeat"/>,
/// <see cref="HeartRateComparison"/>).
/// </summary>
public static class DetectorScoring
{
    /// <summary>Scores <paramref name="detector"/> on record <paramref name="recordPath"/> (path without extension; needs .hea, .dat, .atr).</summary>
    /// <param name="leads">Indices of the record's signals handed to the detector, in this order; default: signal 0 alone.</param>
    /// <exception cref="ArgumentException">A lead index is not a signal of the record, or the detector's beats are out of order or outside the record.</exception>
    public static DetectorRecordScore Score(string recordPath, BeatDetector detector, Ec57Options? options = null, IReadOnlyList<int>? leads = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(recordPath);
        ArgumentNullException.ThrowIfNull(detector);
        var o = (options ?? Ec57Options.Default).Validate();
        var record = WfdbReader.Read(recordPath);
        var reference = AnnotationReader.Read(recordPath + ".atr");
        leads ??= [0];
        if (leads.Count == 0) throw new ArgumentException("at least one lead is needed", nameof(leads));
        var signals = new List<float[]>(leads.Count);
        foreach (int lead in leads)
        {
            if (lead < 0 || lead >= record.Ecg.Channels.Count)
                throw new ArgumentException($"record '{record.Name}' has signals 0..{record.Ecg.Channels.Count - 1}, lead {lead} was asked for.", nameof(leads));
            signals.Add(record.Ecg.Channels[lead].Samples);
        }

        var beats = detector(signals, record.SampleRateHz) ?? throw new InvalidOperationException("The detector returned null instead of a list of beats.");
        foreach (int b in beats)
            if (b < 0 || b >= record.Length)
                throw new ArgumentException($"the detector placed a beat at sample {b}, outside record '{record.Name}' (0..{record.Length - 1}).", nameof(detector));
        var times = beats.Select(b => (long)b).ToArray();
        return new DetectorRecordScore(
            BeatByBeat.CompareDetections(record.Name, reference, times, record.SampleRateHz, record.Length, o),
            HeartRateComparison.Compare(record.Name, reference, times, record.SampleRateHz, record.Length, o),
            beats);
    }
}
