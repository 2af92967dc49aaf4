using CGDmer.Contracts.Model;
using CGDmer.Pipeline.Interpretation;
using CGDmer.Pipeline.Windowing;
using static CGDmer.Pipeline.Tests.Interpretation.Fx;

namespace CGDmer.Pipeline.Tests.Interpretation;

public class InterpreterTests
{
    [Fact]
    public void Findings_are_one_per_label_in_model_order_present_at_or_above_the_threshold()
    {
        var interpreter = new Interpreter(Metadata(threshold: 0.5), Options(o => o.Thresholds["pvc"] = 0.9));
        var probs = Probs(Af, 0.5f);
        probs[IndexOf("pvc")] = 0.89f;
        probs[IndexOf("lbbb")] = 0.4999f;
        var a = interpreter.Assess(Window(0, probs));
        Assert.Equal(ClinicalEvidence.Usable, a.Evidence);
        Assert.Null(a.SuppressedReason);
        Assert.Equal(Metadata().Labels.Select(l => l.Key), a.Findings.Select(f => f.Label.Key));
        Assert.Equal(probs, a.Findings.Select(f => f.Probability));
        Assert.True(a.Findings[IndexOf(Af)].Present);                 // equal to the threshold counts
        Assert.False(a.Findings[IndexOf("pvc")].Present);             // override 0.9 beats the model's 0.5
        Assert.False(a.Findings[IndexOf("lbbb")].Present);
        Assert.True(a.Findings[IndexOf("sinus_rhythm")].Present);     // 1 − 0.5
    }

    [Fact]
    public void Policies_resolve_thresholds_end_thresholds_and_priorities()
    {
        var interpreter = new Interpreter(Metadata(threshold: 0.6), Options(o =>
        {
            o.Thresholds[Af] = 0.8;
            o.EndThresholdRatio = 0.5;
            o.ClinicalAlerts["st_elevation"] = "high";
            o.ClinicalAlerts["sinus_bradycardia"] = "off";
        }));
        var af = interpreter.Policies[IndexOf(Af)];
        Assert.Equal((0.8, 0.4, AlertPriority.Medium), (af.OnsetThreshold, af.EndThreshold, af.Priority));
        Assert.Equal(0.6, interpreter.Policies[IndexOf(Vt)].OnsetThreshold);
        Assert.Equal(AlertPriority.High, interpreter.Policies[IndexOf("st_elevation")].Priority);
        Assert.Null(interpreter.Policies[IndexOf("sinus_bradycardia")].Priority);
        Assert.Null(interpreter.Policies[IndexOf("sinus_rhythm")].Priority);
        Assert.Null(interpreter.Policies[IndexOf("lbbb")].Priority);
    }

    [Fact]
    public void Options_for_labels_the_model_lacks_are_ignored()
    {
        var meta = Metadata() with { Labels = Metadata().Labels.Where(l => l.Key != "atrial_flutter").ToList() };
        var interpreter = new Interpreter(meta, Options(o => o.Thresholds["atrial_flutter"] = 0.7));
        Assert.DoesNotContain(interpreter.Policies, p => p.Label.Key == "atrial_flutter");
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void A_model_threshold_out_of_range_is_refused(double threshold)
    {
        var ex = Assert.Throws<ArgumentException>(() => new Interpreter(Metadata(threshold)));
        Assert.Contains("threshold", ex.Message);
    }

    [Fact]
    public void A_model_without_labels_or_with_a_repeated_label_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new Interpreter(Metadata() with { Labels = [] }));
        var twice = Metadata().Labels.Append(Metadata().Labels[0]).ToList();
        Assert.Throws<ArgumentException>(() => new Interpreter(Metadata() with { Labels = twice }));
    }

    public static TheoryData<string, float[]?, double, WindowStatus, ClinicalEvidence, string?> Cases => new()
    {
        { "no signal", null, 0, WindowStatus.NoSignal, ClinicalEvidence.NoSignal, SuppressionReasons.NoSignal },
        { "poor signal", Probs(Af, 0.9f), 0.49, WindowStatus.Analyzable, ClinicalEvidence.PoorSignal, SuppressionReasons.PoorSignal },
        { "NaN quality", Probs(Af, 0.9f), double.NaN, WindowStatus.Analyzable, ClinicalEvidence.PoorSignal, SuppressionReasons.PoorSignal },
        { "quality at the limit", Probs(Af, 0.9f), 0.5, WindowStatus.Analyzable, ClinicalEvidence.Usable, null },
        { "no probabilities", null, 0.9, WindowStatus.Analyzable, ClinicalEvidence.Unavailable, null },
        { "too few probabilities", new float[3], 0.9, WindowStatus.Analyzable, ClinicalEvidence.Unavailable, SuppressionReasons.InvalidProbabilities },
        { "NaN probability", Probs(Af, float.NaN), 0.9, WindowStatus.Analyzable, ClinicalEvidence.Unavailable, SuppressionReasons.InvalidProbabilities },
        { "probability above 1", Probs(Af, 1.01f), 0.9, WindowStatus.Analyzable, ClinicalEvidence.Unavailable, SuppressionReasons.InvalidProbabilities },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Windows_without_clinical_evidence_have_no_findings(string name, float[]? probs, double sqi, WindowStatus status,
                                                                   ClinicalEvidence evidence, string? reason)
    {
        var a = new Interpreter(Metadata()).Assess(Window(0, probs, status: status, sqi: sqi));
        Assert.True(evidence == a.Evidence, name);
        Assert.Equal(reason, a.SuppressedReason);
        Assert.Equal(evidence == ClinicalEvidence.Usable, a.Findings.Count > 0);
    }
}

public class InterpretationOptionsTests
{
    [Fact]
    public void Defaults_are_valid_and_conservative()
    {
        var o = new InterpretationOptions().Validate();
        Assert.Equal(2, o.OnsetWindows);
        Assert.Equal(2, o.EndWindows);
        Assert.Equal("high", o.ClinicalAlerts[Vt]);
        Assert.Equal("high", o.ClinicalAlerts["pause"]);
        Assert.Equal("medium", o.ClinicalAlerts[Af]);
        Assert.False(o.ClinicalAlerts.ContainsKey("sinus_rhythm"));
        Assert.Equal(AlertPriority.High, o.RefractoryExemptPriority);
        Assert.True(o.MinUpdateSpacing <= o.UpdateInterval);
    }

    public static TheoryData<Action<InterpretationOptions>, string> Bad => new()
    {
        { o => o.Thresholds["myocardial_infarction"] = 0.5, nameof(InterpretationOptions.Thresholds) },
        { o => o.Thresholds[Af] = 0, nameof(InterpretationOptions.Thresholds) },
        { o => o.Thresholds[Af] = 1.01, nameof(InterpretationOptions.Thresholds) },
        { o => o.Thresholds[Af] = double.NaN, nameof(InterpretationOptions.Thresholds) },
        { o => o.Thresholds = null!, nameof(InterpretationOptions.Thresholds) },
        { o => o.EndThresholdRatio = 0, nameof(InterpretationOptions.EndThresholdRatio) },
        { o => o.EndThresholdRatio = 1.1, nameof(InterpretationOptions.EndThresholdRatio) },
        { o => o.ClinicalAlerts["sinus_rhythm"] = "low", nameof(InterpretationOptions.ClinicalAlerts) },
        { o => o.ClinicalAlerts[Af] = "urgent", nameof(InterpretationOptions.ClinicalAlerts) },
        { o => o.ClinicalAlerts["unknown"] = "low", nameof(InterpretationOptions.ClinicalAlerts) },
        { o => o.ClinicalAlerts = null!, nameof(InterpretationOptions.ClinicalAlerts) },
        { o => o.OnsetWindows = 0, nameof(InterpretationOptions.OnsetWindows) },
        { o => o.EndWindows = 0, nameof(InterpretationOptions.EndWindows) },
        { o => o.UpdateInterval = TimeSpan.Zero, nameof(InterpretationOptions.UpdateInterval) },
        { o => o.UpdateProbabilityDelta = 0, nameof(InterpretationOptions.UpdateProbabilityDelta) },
        { o => o.UpdateProbabilityDelta = double.PositiveInfinity, nameof(InterpretationOptions.UpdateProbabilityDelta) },
        { o => o.MinUpdateSpacing = TimeSpan.FromSeconds(-1), nameof(InterpretationOptions.MinUpdateSpacing) },
        { o => o.MinUpdateSpacing = TimeSpan.FromHours(1), nameof(InterpretationOptions.MinUpdateSpacing) },
        { o => o.ClinicalRefractory = TimeSpan.FromSeconds(-1), nameof(InterpretationOptions.ClinicalRefractory) },
        { o => o.RefractoryExemptPriority = (AlertPriority)7, nameof(InterpretationOptions.RefractoryExemptPriority) },
        { o => o.TechnicalRefractory = TimeSpan.FromSeconds(-1), nameof(InterpretationOptions.TechnicalRefractory) },
        { o => o.TechnicalOnsetWindows = 0, nameof(InterpretationOptions.TechnicalOnsetWindows) },
        { o => o.TechnicalEndWindows = 0, nameof(InterpretationOptions.TechnicalEndWindows) },
        { o => o.PoorSignalQuality = -0.1, nameof(InterpretationOptions.PoorSignalQuality) },
        { o => o.PoorSignalQuality = double.NaN, nameof(InterpretationOptions.PoorSignalQuality) },
        { o => o.LeadOffPriority = (AlertPriority)(-1), nameof(InterpretationOptions.LeadOffPriority) },
        { o => o.PoorSignalPriority = (AlertPriority)3, nameof(InterpretationOptions.PoorSignalPriority) },
        { o => o.NoSignalPriority = (AlertPriority)3, nameof(InterpretationOptions.NoSignalPriority) },
    };

    [Theory]
    [MemberData(nameof(Bad))]
    public void Invalid_options_name_the_option(Action<InterpretationOptions> change, string name)
    {
        var o = new InterpretationOptions();
        change(o);
        Assert.Equal(name, Assert.ThrowsAny<ArgumentException>(() => o.Validate()).ParamName);
        Assert.Equal(name, Assert.ThrowsAny<ArgumentException>(() => new Interpreter(Metadata(), o)).ParamName);
    }

    [Fact]
    public void Priority_spellings_and_off_are_accepted_case_insensitively()
    {
        var o = new InterpretationOptions();
        o.ClinicalAlerts["SINUS_RHYTHM"] = "Off";
        o.ClinicalAlerts["Atrial_Fibrillation"] = " HIGH ";
        o.Validate();
        Assert.Equal(AlertPriority.High, new Interpreter(Metadata(), o).Policies[IndexOf(Af)].Priority);
    }
}
