namespace CGDmer.Signal.Wfdb;

/// <summary>
/// A record as stored: the header, the raw ADC samples per signal, and the same data in physical units as an
/// <see cref="EcgRecord"/>. The raw samples are kept because the streaming simulator replays them bit-exactly as integers
/// with their gain and baseline (that is what a bedside monitor sends), while analysis code wants millivolts.
/// </summary>
public sealed class WfdbRecord
{
    private readonly short[][] _raw;

    internal WfdbRecord(WfdbHeader header, short[][] raw, EcgRecord ecg)
    {
        Header = header;
        _raw = raw;
        Ecg = ecg;
    }

    public WfdbHeader Header { get; }

    /// <summary>The signals in physical units (mV for ECG), each channel labelled with its header description and mapped lead.</summary>
    public EcgRecord Ecg { get; }

    public string Name => Header.RecordName;
    public int SignalCount => _raw.Length;
    public double SampleRateHz => Header.SampleRateHz;

    /// <summary>Number of samples per signal actually read (the header's count, or derived from the file size when the header omits it).</summary>
    public int Length => _raw.Length == 0 ? 0 : _raw[0].Length;

    public WfdbSignalSpec Signal(int index) => Header.Signals[index];

    /// <summary>
    /// Raw ADC values of one signal, exactly as stored (12-bit values for format 212 sign-extended to 16 bits). Convert with
    /// <see cref="WfdbSignalSpec.ToPhysical"/>; the WFDB "invalid sample" codes (-32768 for format 16, -2048 for 212) are
    /// passed through unchanged here.
    /// </summary>
    public ReadOnlyMemory<short> RawSamples(int signal) => _raw[signal];

    /// <summary>
    /// The same record with channel <c>i</c> placed on <paramref name="leads"/>[i] (null: no standard lead), for datasets whose
    /// header descriptions do not name the lead (e.g. "ECG"). Samples are shared, not copied; labels stay as recorded.
    /// </summary>
    public WfdbRecord WithLeads(params IReadOnlyList<Lead?> leads)
    {
        ArgumentNullException.ThrowIfNull(leads);
        if (leads.Count != SignalCount)
            throw new ArgumentException($"record '{Name}' has {SignalCount} signals, {leads.Count} leads were given.", nameof(leads));
        var channels = new EcgChannel[SignalCount];
        for (int i = 0; i < channels.Length; i++) channels[i] = Ecg.Channels[i] with { Lead = leads[i] };
        return new WfdbRecord(Header, _raw, new EcgRecord(Ecg.Id, Ecg.SampleRateHz, channels, Ecg.StartTime));
    }
}
