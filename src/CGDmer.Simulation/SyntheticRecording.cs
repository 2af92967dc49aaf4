using CGDmer.Signal;
using CGDmer.Signal.Synthesis;
using CGDmer.Transports.Replay;

namespace CGDmer.Simulation;

/// <summary>Synthesizer output as a recording to replay or simulate.</summary>
public static class SyntheticRecording
{
    /// <summary>
    /// Synthesizer output, quantised as a monitor would (1 µV per ADC unit, i.e. gain 1000 per mV), with its lead-off
    /// intervals sent as lead-off ranges. Only the leads in <paramref name="leads"/> (default: all twelve) are sent.
    /// </summary>
    public static ReplayRecording From(SyntheticEcg ecg, string name, IReadOnlyList<Lead>? leads = null)
    {
        const double gain = 1000;
        var result = new List<ReplayLead>();
        foreach (var lead in leads ?? Signal.Leads.StandardOrder)
        {
            var mv = ecg.Lead(lead);
            var adc = new int[mv.Length];
            for (int i = 0; i < mv.Length; i++) adc[i] = (int)Math.Round(Math.Clamp(mv[i] * gain, int.MinValue / 2.0, int.MaxValue / 2.0));
            var off = new List<(int, int)>();
            foreach (var interval in ecg.LeadOff)
                if (interval.Lead == lead) off.Add((interval.StartSample, interval.EndSample));
            off.Sort();
            result.Add(new ReplayLead(Signal.Leads.Name(lead), adc, gain, 0, "mV") { LeadOff = off });
        }
        return new ReplayRecording(name, ecg.SampleRateHz, result);
    }
}
