namespace CGDmer.Signal.Synthesis;

/// <summary>
/// ECGSYN RR process: a bimodal power spectrum (Mayer waves, LF ~0.1 Hz, and respiratory sinus arrhythmia, HF at the
/// respiration rate) with random phases, scaled to the requested mean and standard deviation of RR.
/// Evaluated at beat times, so the beat sequence t[n+1] = t[n] + RR(t[n]) is the integrated phase of the model.
/// </summary>
internal sealed class Tachogram
{
    private const int Components = 64;
    private readonly double[] _f = new double[Components], _a = new double[Components], _ph = new double[Components];
    public double MeanRr { get; }
    public double StdRr { get; }

    public Tachogram(SynthRandom rng, double meanRr, double stdRr, double lfHz, double hfHz, double lfHfRatio)
    {
        MeanRr = meanRr; StdRr = stdRr;
        const double sLf = 0.01, sHf = 0.01, fMin = 0.01, fMax = 0.5;
        double df = (fMax - fMin) / Components, total = 0;
        for (int k = 0; k < Components; k++)
        {
            double f = fMin + (k + 0.5) * df;
            double s = lfHfRatio / (lfHfRatio + 1) * Math.Exp(-(f - lfHz) * (f - lfHz) / (2 * sLf * sLf))
                     + 1 / (lfHfRatio + 1) * Math.Exp(-(f - hfHz) * (f - hfHz) / (2 * sHf * sHf));
            _f[k] = f; _a[k] = Math.Sqrt(s * df); _ph[k] = rng.Uniform(0, 2 * Math.PI);
            total += _a[k] * _a[k] / 2;
        }
        double norm = 1 / Math.Sqrt(total);
        for (int k = 0; k < Components; k++) _a[k] *= norm;
    }

    public double At(double t)
    {
        double s = 0;
        for (int k = 0; k < Components; k++) s += _a[k] * Math.Sin(2 * Math.PI * _f[k] * t + _ph[k]);
        return MeanRr + StdRr * s;
    }
}
