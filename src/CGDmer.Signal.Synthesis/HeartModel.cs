namespace CGDmer.Signal.Synthesis;

/// <summary>3-vector in the heart-centred frame: x = patient's left, y = inferior (feet), z = anterior (chest wall).</summary>
internal readonly record struct Vec3(double X, double Y, double Z)
{
    public static Vec3 operator +(Vec3 a, Vec3 b) => new(a.X + b.X, a.Y + b.Y, a.Z + b.Z);
    public static Vec3 operator -(Vec3 a, Vec3 b) => new(a.X - b.X, a.Y - b.Y, a.Z - b.Z);
    public static Vec3 operator *(double k, Vec3 a) => new(k * a.X, k * a.Y, k * a.Z);
    public static Vec3 operator -(Vec3 a) => new(-a.X, -a.Y, -a.Z);
    public double Dot(Vec3 b) => X * b.X + Y * b.Y + Z * b.Z;
    public double Norm => Math.Sqrt(X * X + Y * Y + Z * Z);
    public Vec3 Unit => (1.0 / Norm) * this;
    /// <summary>Rotation in the frontal (x, y) plane by <paramref name="deg"/> degrees (positive = towards inferior / clockwise on the hexaxial reference).</summary>
    public Vec3 RotateFrontal(double deg)
    {
        double r = deg * Math.PI / 180, c = Math.Cos(r), s = Math.Sin(r);
        return new(c * X - s * Y, s * X + c * Y, Z);
    }
}

/// <summary>
/// One Gaussian kernel of the dipole model (Sameni et al. 2007 extension of McSharry's ECGSYN): for each axis its own
/// centre (s, relative to the beat's fiducial point), width (s) and amplitude (mV). In ECGSYN terms the phase centre is
/// θ = 2π·centre/RR and the phase width b = 2π·width/RR; keeping centre/width in seconds lets the QRS stay fixed while
/// the T wave follows the QT/RR relation.
/// </summary>
internal struct Wave
{
    public double Cx, Cy, Cz, Sx, Sy, Sz, Ax, Ay, Az;
    /// <summary>Repolarisation wave: its timing follows QT(RR).</summary>
    public bool IsT;

    public static Wave Make(double centre, double width, Vec3 amp, bool isT = false, SynthRandom? jitter = null)
    {
        var w = new Wave { Cx = centre, Cy = centre, Cz = centre, Sx = width, Sy = width, Sz = width, Ax = amp.X, Ay = amp.Y, Az = amp.Z, IsT = isT };
        if (jitter is not null)
        {
            // per-axis dispersion of timing and width: turns the straight dipole trajectory into a loop
            double dt = width * 0.12;
            w.Cx += jitter.Gaussian(0, dt); w.Cy += jitter.Gaussian(0, dt); w.Cz += jitter.Gaussian(0, dt);
            w.Sx *= 1 + jitter.Gaussian(0, 0.05); w.Sy *= 1 + jitter.Gaussian(0, 0.05); w.Sz *= 1 + jitter.Gaussian(0, 0.05);
        }
        return w;
    }

    public Vec3 Amp { get => new(Ax, Ay, Az); set { Ax = value.X; Ay = value.Y; Az = value.Z; } }
    public double Centre => (Cx + Cy + Cz) / 3;
    public double Width => Math.Max(Sx, Math.Max(Sy, Sz));
    public void Scale(double k) { Ax *= k; Ay *= k; Az *= k; }
}

/// <summary>A ventricular complex: QRS kernels, repolarisation kernels and an ST-segment (injury current) vector.</summary>
internal sealed class BeatTemplate
{
    public List<Wave> Waves = new();
    /// <summary>ST-segment vector (mV): plateau from the J point to the end of T.</summary>
    public Vec3 St;
    /// <summary>QRS end relative to the fiducial point (s).</summary>
    public double JPoint;
    public double QrsOnset;
    /// <summary>End of T at RR = 1 s relative to the fiducial point (s), before QT adaptation.</summary>
    public double TEnd;

    public void ScaleQrs(double k)
    {
        for (int i = 0; i < Waves.Count; i++) { var w = Waves[i]; if (!w.IsT) { w.Scale(k); Waves[i] = w; } }
    }

    public void ScaleAll(double k)
    {
        for (int i = 0; i < Waves.Count; i++) { var w = Waves[i]; w.Scale(k); Waves[i] = w; }
        St = k * St;
    }

    public void UpdateQrsSpan()
    {
        double max = 0;
        foreach (var w in Waves) if (!w.IsT) max = Math.Max(max, w.Amp.Norm);
        double on = 0, off = 0;
        foreach (var w in Waves)
        {
            if (w.IsT || w.Amp.Norm < 0.05 * max) continue;
            on = Math.Min(on, Math.Min(w.Cx - 2.5 * w.Sx, Math.Min(w.Cy - 2.5 * w.Sy, w.Cz - 2.5 * w.Sz)));
            off = Math.Max(off, Math.Max(w.Cx + 2.5 * w.Sx, Math.Max(w.Cy + 2.5 * w.Sy, w.Cz + 2.5 * w.Sz)));
        }
        QrsOnset = on; JPoint = off;
        double tend = 0;
        foreach (var w in Waves) if (w.IsT) tend = Math.Max(tend, w.Centre + 2.5 * w.Width);
        TEnd = tend;
    }
}

/// <summary>
/// Lead field: projection of the cardiac dipole onto the electrodes. Limb leads from the frontal-plane hexaxial
/// system (I at 0°, II at +60°); leads III, aVR, aVL, aVF are derived from I and II (Einthoven/Goldberger) so the
/// relations hold exactly. Precordial lead vectors lie near the horizontal plane (V1 anterior-right ... V6 left
/// lateral) with Dower-like gains; per patient they are perturbed to mimic heart position and electrode placement.
/// </summary>
internal sealed class LeadField
{
    public readonly Vec3 LeadI, LeadII;
    public readonly Vec3[] Precordial = new Vec3[6];

    private static readonly double[] BaseAngles = [120, 95, 75, 55, 30, 5];
    private static readonly double[] BaseY = [0.0, 0.0, 0.05, 0.12, 0.15, 0.15];
    private static readonly double[] BaseGain = [1.0, 1.35, 1.4, 1.3, 1.1, 0.9];

    public LeadField(SynthRandom? rng)
    {
        LeadI = new(1, 0, 0);
        LeadII = new(0.5, Math.Sqrt(3) / 2, 0);
        double rot = rng?.Uniform(-8, 8) ?? 0;
        for (int k = 0; k < 6; k++)
        {
            double a = (BaseAngles[k] + rot + (rng?.Gaussian(0, 2.5) ?? 0)) * Math.PI / 180;
            double g = BaseGain[k] * (1 + (rng?.Gaussian(0, 0.06) ?? 0));
            Precordial[k] = g * new Vec3(Math.Cos(a), BaseY[k], Math.Sin(a));
        }
    }

    /// <summary>Lead vector of any of the 12 leads (derived leads as the same combinations used for the samples).</summary>
    public Vec3 Vector(Lead lead) => lead switch
    {
        Lead.I => LeadI,
        Lead.II => LeadII,
        Lead.III => LeadII - LeadI,
        Lead.aVR => -0.5 * (LeadI + LeadII),
        Lead.aVL => LeadI - 0.5 * LeadII,
        Lead.aVF => LeadII - 0.5 * LeadI,
        _ => Precordial[(int)lead - (int)Lead.V1],
    };
}

internal static class Territories
{
    public static Lead[] LeadsOf(Territory t) => t switch
    {
        Territory.Inferior => [Lead.II, Lead.III, Lead.aVF],
        Territory.Anterior => [Lead.V1, Lead.V2, Lead.V3, Lead.V4],
        Territory.Lateral => [Lead.I, Lead.aVL, Lead.V5, Lead.V6],
        Territory.Septal => [Lead.V1, Lead.V2],
        _ => [Lead.I, Lead.II, Lead.aVF, Lead.V3, Lead.V4, Lead.V5, Lead.V6],
    };

    /// <summary>Direction of an injury current towards the territory (reciprocal leads see its negative).</summary>
    public static Vec3 Direction(Territory t) => (t switch
    {
        Territory.Inferior => new Vec3(-0.15, 1, 0.05),
        Territory.Anterior => new Vec3(0.0, -0.4, 1),
        Territory.Lateral => new Vec3(1, -0.45, 0.2),
        Territory.Septal => new Vec3(-0.45, 0, 0.9),
        _ => new Vec3(0.6, 0.6, 0.45),
    }).Unit;

    /// <summary>Scales <paramref name="dir"/> so that its mean projection on the territory leads equals <paramref name="targetMv"/>.</summary>
    public static Vec3 Calibrated(LeadField field, Territory t, Vec3 dir, double targetMv)
    {
        double sum = 0; var leads = LeadsOf(t);
        foreach (var l in leads) sum += field.Vector(l).Dot(dir);
        double mean = sum / leads.Length;
        return (targetMv / Math.Max(mean, 0.05)) * dir;
    }

    public static double MinProjection(LeadField field, Territory t, Vec3 v)
    {
        double min = double.MaxValue;
        foreach (var l in LeadsOf(t)) min = Math.Min(min, field.Vector(l).Dot(v));
        return min;
    }
}
