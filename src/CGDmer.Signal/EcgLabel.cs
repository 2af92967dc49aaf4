namespace CGDmer.Signal;

/// <summary>
/// The diagnostic statements this project knows, each with its SNOMED CT concept. The same vocabulary is used by the
/// synthesizer (ground truth), the dataset builders (MIT-BIH, PTB-XL mappings), the model's classification heads
/// (stored by key in the ONNX metadata) and the FHIR Observations the service emits.
/// </summary>
public sealed record EcgLabel(string Key, string SnomedCode, string Display, EcgLabelKind Kind)
{
    public override string ToString() => Key;
}

public enum EcgLabelKind { Rhythm, Ectopy, Conduction, Morphology, Technical }

public static class EcgLabels
{
    public static readonly EcgLabel SinusRhythm = new("sinus_rhythm", "426783006", "Sinus rhythm", EcgLabelKind.Rhythm);
    public static readonly EcgLabel SinusBradycardia = new("sinus_bradycardia", "426177001", "Sinus bradycardia", EcgLabelKind.Rhythm);
    public static readonly EcgLabel SinusTachycardia = new("sinus_tachycardia", "427084000", "Sinus tachycardia", EcgLabelKind.Rhythm);
    public static readonly EcgLabel AtrialFibrillation = new("atrial_fibrillation", "49436004", "Atrial fibrillation", EcgLabelKind.Rhythm);
    public static readonly EcgLabel AtrialFlutter = new("atrial_flutter", "5370000", "Atrial flutter", EcgLabelKind.Rhythm);
    public static readonly EcgLabel VentricularTachycardia = new("ventricular_tachycardia", "25569003", "Ventricular tachycardia", EcgLabelKind.Rhythm);
    public static readonly EcgLabel PrematureVentricularContractions = new("pvc", "427172004", "Premature ventricular contractions", EcgLabelKind.Ectopy);
    public static readonly EcgLabel SinusPause = new("pause", "5609005", "Sinus arrest", EcgLabelKind.Rhythm);
    public static readonly EcgLabel LeftBundleBranchBlock = new("lbbb", "164909002", "Left bundle branch block", EcgLabelKind.Conduction);
    public static readonly EcgLabel RightBundleBranchBlock = new("rbbb", "59118001", "Right bundle branch block", EcgLabelKind.Conduction);
    public static readonly EcgLabel StElevation = new("st_elevation", "164931005", "ST elevation", EcgLabelKind.Morphology);
    public static readonly EcgLabel StDepression = new("st_depression", "429622005", "ST depression", EcgLabelKind.Morphology);
    public static readonly EcgLabel TWaveInversion = new("t_inversion", "59931005", "Inverted T wave", EcgLabelKind.Morphology);
    public static readonly EcgLabel LeftVentricularHypertrophy = new("lvh", "164873001", "Left ventricular hypertrophy", EcgLabelKind.Morphology);
    public static readonly EcgLabel LowQrsVoltage = new("low_voltage", "251146004", "Low QRS voltages", EcgLabelKind.Morphology);
    /// <summary>A rhythm that is neither sinus rhythm nor atrial fibrillation (the "other rhythm" class of PhysioNet/CinC 2017).</summary>
    public static readonly EcgLabel OtherRhythm = new("other_rhythm", "698247007", "Cardiac arrhythmia", EcgLabelKind.Rhythm);

    public static IReadOnlyList<EcgLabel> All { get; } =
    [
        SinusRhythm, SinusBradycardia, SinusTachycardia, AtrialFibrillation, AtrialFlutter, VentricularTachycardia,
        PrematureVentricularContractions, SinusPause, LeftBundleBranchBlock, RightBundleBranchBlock,
        StElevation, StDepression, TWaveInversion, LeftVentricularHypertrophy, LowQrsVoltage, OtherRhythm,
    ];

    public static EcgLabel ByKey(string key)
    {
        foreach (var l in All)
            if (string.Equals(l.Key, key, StringComparison.OrdinalIgnoreCase)) return l;
        throw new KeyNotFoundException($"Unknown ECG label '{key}'. Known labels: {string.Join(", ", All.Select(l => l.Key))}.");
    }
}
