using CGDmer.Signal.Wfdb;

namespace CGDmer.Evaluation.Ec57;

/// <summary>The EC57 beat classes that bxb compares: normal, supraventricular ectopic, ventricular ectopic, fusion, unclassifiable.</summary>
public enum AamiBeatClass
{
    N, S, V, F, Q,
}

/// <summary>The mapping of WFDB beat codes to <see cref="AamiBeatClass"/>, as EC57 and bxb define it.</summary>
public static class AamiBeatClasses
{
    /// <summary>
    /// The class of a beat code (<see cref="AnnotationCodes.IsQrs"/>): N L R B e j → N; A a J S n → S; V E r → V; F → F;
    /// / f Q ? → Q. Null for codes that are not beats.
    /// </summary>
    public static AamiBeatClass? Of(int code) => code switch
    {
        AnnotationCodes.Normal or AnnotationCodes.Lbbb or AnnotationCodes.Rbbb or AnnotationCodes.Bbb
            or AnnotationCodes.AtrialEscape or AnnotationCodes.NodalEscape => AamiBeatClass.N,
        AnnotationCodes.Apc or AnnotationCodes.Aberrant or AnnotationCodes.Npc or AnnotationCodes.Svpb
            or AnnotationCodes.SvEscape => AamiBeatClass.S,
        AnnotationCodes.Pvc or AnnotationCodes.VentricularEscape or AnnotationCodes.RonT => AamiBeatClass.V,
        AnnotationCodes.Fusion => AamiBeatClass.F,
        AnnotationCodes.Paced or AnnotationCodes.PacedFusion or AnnotationCodes.Unknown or AnnotationCodes.Learn => AamiBeatClass.Q,
        _ => null,
    };
}
