using CGDmer.Signal.Synthesis;
using CGDmer.Transports.Replay;

namespace CGDmer.Simulation;

/// <summary>
/// What a simulated bedside monitor plays: a recording (looped when the simulation is longer) or a synthetic 12-lead
/// patient generated chunk by chunk. Read in chunks so that hours of ECG never sit in memory at once.
/// </summary>
public abstract class MonitorSignal
{
    /// <summary>Name of the source (record name or synthetic seed), for the manifest. Never a patient identifier.</summary>
    public abstract string Name { get; }
    public abstract double SampleRateHz { get; }
    public abstract int LeadCount { get; }

    /// <summary>Samples [chunk × chunkSamples, chunk × chunkSamples + count) as a recording (count ≤ chunkSamples).</summary>
    public abstract ReplayRecording ReadChunk(int chunk, int chunkSamples, int count);

    /// <summary>A recording, played from its start and looped as long as the simulation lasts.</summary>
    public static MonitorSignal FromRecording(ReplayRecording recording) => new LoopedRecording(recording ?? throw new ArgumentNullException(nameof(recording)));

    /// <summary>
    /// A synthetic 12-lead patient drawn from <paramref name="mix"/> with <paramref name="seed"/>: one patient (its
    /// conditions are drawn once), every chunk a fresh stretch of that patient's ECG. A single-chunk signal equals
    /// <c>new DatasetSampler(mix, seconds, rate).Generate(seed)</c>.
    /// </summary>
    public static MonitorSignal Synthetic(int seed, ConditionMix? mix = null, double sampleRateHz = 500)
    {
        if (!(sampleRateHz >= 50 && sampleRateHz <= 2000)) throw new ArgumentOutOfRangeException(nameof(sampleRateHz), sampleRateHz, "must be in [50, 2000] Hz");
        return new SyntheticPatient(seed, mix ?? ConditionMix.Default, sampleRateHz);
    }

    private sealed class LoopedRecording(ReplayRecording recording) : MonitorSignal
    {
        public override string Name => recording.Name;
        public override double SampleRateHz => recording.SampleRateHz;
        public override int LeadCount => recording.Leads.Count;

        public override ReplayRecording ReadChunk(int chunk, int chunkSamples, int count)
        {
            long from = (long)chunk * chunkSamples;
            int length = recording.Length;
            int start = (int)(from % length);
            if (start == 0 && count == length) return recording; // the common case: a record no longer than the simulation's chunk
            var leads = new List<ReplayLead>(recording.Leads.Count);
            foreach (var lead in recording.Leads)
            {
                ReadOnlyMemory<int> adc;
                if (start + count <= length) adc = lead.Adc.Slice(start, count); // shares the record's memory
                else
                {
                    // Wraps around the record's end: copy the two stretches (and more turns for a record shorter than a chunk).
                    var copy = new int[count];
                    for (int done = 0, at = start; done < count;)
                    {
                        int n = Math.Min(count - done, length - at);
                        lead.Adc.Span.Slice(at, n).CopyTo(copy.AsSpan(done));
                        done += n;
                        at = 0;
                    }
                    adc = copy;
                }
                leads.Add(lead with { Adc = adc, LeadOff = ShiftLeadOff(lead.LeadOff, start, count, length) });
            }
            return new ReplayRecording(recording.Name, recording.SampleRateHz, leads);
        }

        // The record's lead-off ranges, as seen in samples [start, start + count) of the looped record, chunk-relative.
        private static List<(int, int)> ShiftLeadOff(IReadOnlyList<(int Start, int End)> ranges, int start, int count, int length)
        {
            var result = new List<(int, int)>();
            if (ranges.Count == 0) return result;
            for (long turn = -start; turn < count; turn += length) // turn: chunk-relative index of a record's sample 0
                foreach (var (s, e) in ranges)
                {
                    long rs = Math.Max(0, turn + s), re = Math.Min(count, turn + e);
                    if (rs < re) result.Add(((int)rs, (int)re));
                }
            return result;
        }
    }

    private sealed class SyntheticPatient(int seed, ConditionMix mix, double sampleRateHz) : MonitorSignal
    {
        public override string Name => $"synthetic-{seed}";
        public override double SampleRateHz => sampleRateHz;
        public override int LeadCount => 12;

        public override ReplayRecording ReadChunk(int chunk, int chunkSamples, int count)
        {
            double seconds = count / sampleRateHz;
            var request = new DatasetSampler(mix, seconds, sampleRateHz).Draw(seed);
            // The patient's conditions come from its seed; each chunk's beats, noise and lead-offs from the chunk's own seed.
            int chunkSeed = chunk == 0 ? seed : unchecked((int)SynthRandom.Derive(seed, 0x5EC0 + chunk));
            var ecg = EcgSynthesizer.Generate(request, chunkSeed);
            var recording = SyntheticRecording.From(ecg, Name);
            return recording.Length > count ? recording.Take(TimeSpan.FromSeconds(seconds)) : recording;
        }
    }
}
