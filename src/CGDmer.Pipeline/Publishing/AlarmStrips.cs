using System.Globalization;
using System.Text;
using CGDmer.Contracts;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal;
using Hl7.Fhir.Model;

namespace CGDmer.Pipeline.Publishing;

/// <summary>
/// The ECG strip of a clinical alarm's onset as a FHIR Observation with one <c>SampledData</c> component per lead: the
/// window that raised the alarm and, before it, the part of the patient's previous window that precedes it (one hop,
/// 5 s by default). Code MDC_ECG_ELEC_POTL (131328), components MDC_ECG_ELEC_POTL_&lt;lead&gt; (131328 + the lead's
/// term code, as in FHIR R4's own ECG example); samples in µV as integers with factor 0.001, so the values are mV, period
/// in ms. Size: at most leads × (window + hop) samples.
/// </summary>
/// <remarks>
/// Keeps the previous window's strip of each patient (one pooled copy per patient, at most <see cref="MaxPatients"/>)
/// and releases strips it no longer needs. Single-threaded: the publish stage calls it in each patient's window order.
/// </remarks>
public sealed class AlarmStrips : IDisposable
{
    /// <summary>The MDC code of ECG electric potential (the waveform); a lead's is this + the lead's term code.</summary>
    public const int EcgElectricPotential = 131328;

    /// <summary>Patients whose previous window is kept; beyond, the memory starts afresh (strips then lack their pre-roll once).</summary>
    public const int MaxPatients = 20_000;

    private readonly Dictionary<string, SignalStrip> _previous = new(StringComparer.Ordinal);
    private readonly ObservationFactory _factory;

    public AlarmStrips(ObservationFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _factory = factory;
    }

    /// <summary>
    /// The strip Observation when <paramref name="current"/> raised a clinical alarm (<paramref name="onset"/>), else
    /// null; then remembers <paramref name="current"/> as the patient's previous window (releasing the one before).
    /// </summary>
    public Observation? Next(EcgWindow window, SignalStrip? current, bool onset)
    {
        ArgumentNullException.ThrowIfNull(window);
        Observation? strip = null;
        _previous.TryGetValue(window.PatientId, out var before);
        if (onset && current is { Released: false }) strip = Build(window, before, current);
        if (before is not null) { before.Release(); _previous.Remove(window.PatientId); }
        if (current is null) return strip;
        if (_previous.Count >= MaxPatients) ReleaseAll();
        _previous[window.PatientId] = current;
        return strip;
    }

    private Observation Build(EcgWindow window, SignalStrip? before, SignalStrip current)
    {
        double rate = current.SampleRateHz;
        int pre = 0;
        // The pre-roll: only from a previous window of the same leads and rate that reaches the current one's start.
        if (before is { Released: false } && before.SampleRateHz == rate && before.Leads.SequenceEqual(current.Leads)
            && before.Start < current.Start && before.End >= current.Start)
            pre = Math.Min(before.SamplesPerLead, (int)Math.Round((current.Start - before.Start).TotalSeconds * rate));
        var start = current.Start - TimeSpan.FromSeconds(pre / rate);
        var obs = _factory.StripBase(window, start, current.End);
        var components = new List<Observation.ComponentComponent>(current.Leads.Count);
        var text = new StringBuilder((pre + current.SamplesPerLead) * 5);
        for (int k = 0; k < current.Leads.Count; k++)
        {
            text.Clear();
            if (pre > 0) AppendMicrovolts(text, before!.Samples(k)[..pre]);
            AppendMicrovolts(text, current.Samples(k));
            components.Add(new Observation.ComponentComponent
            {
                Code = LeadWaveformCode(current.Leads[k]),
                Value = new SampledData
                {
                    Origin = new Quantity { Value = 0, Unit = "mV", System = ObservationFactory.Ucum, Code = "mV" },
                    Period = Math.Round((decimal)(1000.0 / rate), 6),
                    Factor = 0.001m,
                    Dimensions = 1,
                    Data = text.ToString(),
                },
            });
        }
        obs.Component = components;
        return obs;
    }

    /// <summary>MDC_ECG_ELEC_POTL_&lt;lead&gt;: the waveform code of one lead.</summary>
    public static CodeableConcept LeadWaveformCode(Lead lead)
    {
        var mdc = MdcCode.ForLead(lead);
        int term = mdc.Code - 2 * 65536;
        string suffix = mdc.ReferenceId["MDC_ECG_LEAD_".Length..];
        return new CodeableConcept(MdcCode.FhirSystem, (EcgElectricPotential + term).ToString(CultureInfo.InvariantCulture),
                                   "MDC_ECG_ELEC_POTL_" + suffix, "Lead " + Leads.Name(lead));
    }

    private static void AppendMicrovolts(StringBuilder text, ReadOnlySpan<float> millivolts)
    {
        foreach (float mv in millivolts)
        {
            if (text.Length > 0) text.Append(' ');
            // SampledData's "E" marks a sample that is not a number (a gap filled by the window stage never is).
            if (!float.IsFinite(mv)) { text.Append('E'); continue; }
            text.Append((long)Math.Round(mv * 1000.0));
        }
    }

    private void ReleaseAll()
    {
        foreach (var s in _previous.Values) s.Release();
        _previous.Clear();
    }

    public void Dispose() => ReleaseAll();
}
