using CGDmer.Signal;
using CGDmer.Signal.Datasets;
using CGDmer.Signal.Wfdb;

namespace CGDmer.Transports.Replay;

/// <summary>One lead of a recording as a bedside gateway would send it: raw ADC integers with gain, baseline and unit.</summary>
public sealed record ReplayLead(string Name, ReadOnlyMemory<int> Adc, double Gain, int Baseline, string Unit)
{
    /// <summary>Sample ranges [start, end) in which the lead's electrode was off (sent as lead-off ranges).</summary>
    public IReadOnlyList<(int Start, int End)> LeadOff { get; init; } = [];
}

/// <summary>
/// A recording to replay as one patient's live telemetry: a WFDB record (MIT-BIH, CinC 2017, AFTDB) or, through
/// the simulator, synthesizer output,
/// turned into the integers, gains and units a monitor gateway would send.
/// </summary>
public sealed class ReplayRecording
{
    public ReplayRecording(string name, double sampleRateHz, IReadOnlyList<ReplayLead> leads)
    {
        if (leads.Count == 0) throw new ArgumentException($"Recording '{name}' has no leads.", nameof(leads));
        int n = leads[0].Adc.Length;
        foreach (var l in leads)
            if (l.Adc.Length != n) throw new ArgumentException($"Recording '{name}': lead '{l.Name}' has {l.Adc.Length} samples, expected {n}.", nameof(leads));
        Name = name;
        SampleRateHz = sampleRateHz;
        Leads = leads;
    }

    public string Name { get; }
    public double SampleRateHz { get; }
    public IReadOnlyList<ReplayLead> Leads { get; }
    public int Length => Leads[0].Adc.Length;

    /// <summary>
    /// Signals whose lead the record does not name and the replay assumed (<see cref="WfdbDatasets.PlaceUnnamedEcg"/>),
    /// as "ECG1 as II"; empty when every lead is named or the dataset defines it (CinC 2017, AFTDB).
    /// </summary>
    public IReadOnlyList<string> AssumedLeads { get; private init; } = [];

    /// <summary>What a tool says of <see cref="AssumedLeads"/>, or null when there is nothing to say.</summary>
    public string? AssumedLeadsNote => AssumedLeads.Count == 0 ? null
        : $"record {Name} names no lead; sent with {string.Join(", ", AssumedLeads)} (a two-lead Holter's usual montage)";
    public TimeSpan Duration => TimeSpan.FromSeconds(Length / SampleRateHz);

    /// <summary>The first <paramref name="duration"/> of the recording (all of it when it is shorter).</summary>
    public ReplayRecording Take(TimeSpan duration)
    {
        int n = (int)Math.Min(Length, Math.Round(duration.TotalSeconds * SampleRateHz));
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(duration), duration, "must keep at least one sample");
        if (n == Length) return this;
        var leads = Leads.Select(l => l with
        {
            Adc = l.Adc[..n],
            LeadOff = l.LeadOff.Where(r => r.Start < n).Select(r => (r.Start, Math.Min(r.End, n))).ToList(),
        }).ToList();
        return new ReplayRecording(Name, SampleRateHz, leads) { AssumedLeads = AssumedLeads };
    }

    /// <summary>
    /// The recording as a monitor sends it with only <paramref name="leads"/> attached (or a monitor of fewer leads): the
    /// other leads are not sent at all. A recording with none of them is an error that names the leads it has.
    /// </summary>
    public ReplayRecording OnlyLeads(IReadOnlyCollection<Lead> leads)
    {
        var kept = Leads.Where(l => Signal.Leads.TryParse(l.Name, out var lead) && leads.Contains(lead)).ToList();
        if (kept.Count == 0)
            throw new InvalidDataException($"Recording '{Name}' has none of the leads {string.Join(", ", leads.Select(Signal.Leads.Name))}; it has {string.Join(", ", Leads.Select(l => l.Name))}.");
        return kept.Count == Leads.Count ? this : new ReplayRecording(Name, SampleRateHz, kept)
        {
            AssumedLeads = AssumedLeads.Where(a => kept.Exists(k => a.EndsWith(" as " + k.Name, StringComparison.Ordinal))).ToList(),
        };
    }

    /// <summary>
    /// A WFDB record (path without extension), raw ADC as stored, with the header's gain, baseline and unit. The record is
    /// read through its dataset's loader (<see cref="WfdbDatasets"/>): MIT-BIH-style records keep their signal names (e.g.
    /// MLII), a CinC 2017 recording is sent as lead I and an AFTDB record as II and V1, and a record whose signals are
    /// only called ECG ("ECG1", "ECG2") as II and V1 (<see cref="AssumedLeads"/>). Signals on no standard lead are
    /// skipped; a record with none, or one that cannot be read, is an error that names the file.
    /// </summary>
    public static ReplayRecording FromWfdb(string recordPath) => FromWfdb(recordPath, out _);

    /// <inheritdoc cref="FromWfdb(string)"/>
    /// <param name="recordPath">Path without extension.</param>
    /// <param name="dataset">The dataset the record was recognised as.</param>
    public static ReplayRecording FromWfdb(string recordPath, out WfdbDataset dataset)
    {
        WfdbRecord record;
        try { record = WfdbDatasets.Read(recordPath, out dataset); }
        catch (Exception e) when (e is IOException or InvalidDataException or FormatException or UnauthorizedAccessException
                                      or WfdbFormatException)
        {
            throw new InvalidDataException($"Cannot read WFDB record '{recordPath}': {e.Message}", e);
        }
        var leads = new List<ReplayLead>();
        var assumed = new List<string>();
        for (int s = 0; s < record.SignalCount; s++)
        {
            var spec = record.Signal(s);
            if (record.Ecg.Channels[s].Lead is not { } lead) continue;
            // A description that already names a lead is sent as recorded; an unnamed one ("ECG") under its mapped lead.
            string name = Signal.Leads.TryParse(spec.Description, out _) ? spec.Description : Signal.Leads.Name(lead);
            if (dataset == WfdbDataset.Other && name != spec.Description) assumed.Add($"{spec.Description} as {name}");
            var raw = record.RawSamples(s).Span;
            var adc = new int[raw.Length];
            var invalid = new List<(int, int)>();
            int runStart = -1;
            for (int i = 0; i < raw.Length; i++)
            {
                adc[i] = raw[i];
                // WFDB marks samples it has no value for; a gateway sends those as a lead-off range, never as numbers.
                bool bad = raw[i] == WfdbReader.InvalidSample16 || (spec.Format == WfdbStorageFormat.Format212 && raw[i] == WfdbReader.InvalidSample212);
                if (bad && runStart < 0) runStart = i;
                if (!bad && runStart >= 0) { invalid.Add((runStart, i)); runStart = -1; }
                if (bad) adc[i] = spec.Baseline;
            }
            if (runStart >= 0) invalid.Add((runStart, raw.Length));
            leads.Add(new ReplayLead(name, adc, spec.Gain, spec.Baseline, spec.Units) { LeadOff = invalid });
        }
        if (leads.Count == 0)
            throw new InvalidDataException($"WFDB record '{recordPath}' has no signal named like an ECG lead (e.g. MLII, V1).");
        return new ReplayRecording(record.Name, record.SampleRateHz, leads) { AssumedLeads = assumed };
    }
}
