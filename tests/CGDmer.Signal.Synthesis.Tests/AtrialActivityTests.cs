using CGDmer.Signal.Beats;
using CGDmer.Signal.Dsp;
using Xunit.Abstractions;

namespace CGDmer.Signal.Synthesis.Tests;

/// <summary>The atrial features on the synthesizer's own rhythms, through the path the model's features take (100 Hz,
/// the model's preprocessing, <c>rr-v7</c>'s <see cref="RhythmFeatures.ComputeSet"/>): the synthesizer's P waves and
/// fibrillatory waves come from its heart model, not from the feature's definition.</summary>
public class AtrialActivityTests(ITestOutputHelper output)
{
    private const int Fs = 100;

    private static float[] Features(RhythmKind rhythm, int seed, NoiseOptions noise)
    {
        var ecg = EcgSynthesizer.Generate(new SynthesisRequest { DurationSeconds = 10, SampleRateHz = Fs, Rhythm = rhythm, Noise = noise }, seed);
        var lead = ecg.Record.Channels[(int)Lead.II].Samples.AsSpan(0, 10 * Fs).ToArray();
        EcgPreprocessing.Apply(lead, Fs);
        var set = new float[RhythmFeatures.CountOf(RhythmFeatures.WithAtrialActivityIdentifier)];
        RhythmFeatures.ComputeSet(RhythmFeatures.WithAtrialActivityIdentifier, [], lead, Fs, lead.Length, 1, 1, set);
        return set[(2 * RhythmFeatures.Count)..];
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Sinus_rhythm_shows_a_consistent_atrial_wave_and_AF_does_not(bool typicalNoise)
    {
        var noise = typicalNoise ? NoiseOptions.Typical with { LeadOffProbability = 0 } : NoiseOptions.None;
        var sinus = Enumerable.Range(1, 12).Select(s => Features(RhythmKind.NormalSinus, s, noise)).ToArray();
        var af = Enumerable.Range(1, 12).Select(s => Features(RhythmKind.AtrialFibrillation, s, noise)).ToArray();
        output.WriteLine($"consistency: sinus {string.Join(' ', sinus.Select(f => f[2].ToString("F2")))}; AF {string.Join(' ', af.Select(f => f[2].ToString("F2")))}");
        output.WriteLine($"coherence:   sinus {string.Join(' ', sinus.Select(f => f[3].ToString("F2")))}; AF {string.Join(' ', af.Select(f => f[3].ToString("F2")))}");
        Assert.All(sinus, f => Assert.Equal(1, f[0]));
        Assert.All(af, f => Assert.Equal(1, f[0]));
        Assert.True(sinus.Min(f => f[2]) > af.Max(f => f[2]), "every sinus record is more consistent than every AF record");
    }
}
