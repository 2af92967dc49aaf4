// FHIR POCO properties are nullable throughout; these tests assert their presence explicitly.
#nullable disable warnings
using CGDmer.Contracts.Model;
using CGDmer.Pipeline.Inference;
using CGDmer.Pipeline.Interpretation;
using CGDmer.Pipeline.Publishing;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Logging;
using static CGDmer.Pipeline.Tests.Interpretation.Fx;

namespace CGDmer.Pipeline.Tests.Interpretation;

/// <summary>Contract v3: only validated findings are published (a); sinus brady-/tachycardia follow the measured rate (b).</summary>
public class UnvalidatedLabelTests
{
    private const string Flutter = "atrial_flutter";

    /// <summary>The fixture's model with the given labels marked not validated and every other label validated (a v3 file).</summary>
    private static ModelMetadata WithUnvalidated(params string[] keys) => Metadata() with
    {
        Labels = Metadata().Labels.Select(l => l with { Validated = !keys.Contains(l.Key) }).ToList(),
        SourceContractVersion = "3",
    };

    private static float[] AfAndFlutter(float af, float flutter)
    {
        var p = Probs(Af, af);
        p[IndexOf(Flutter)] = flutter;
        return p;
    }

    [Fact]
    public void An_unvalidated_label_is_never_present_and_never_alerts_while_a_validated_one_does()
    {
        var tracker = Tracker(metadata: WithUnvalidated(Af));
        var windows = Enumerable.Range(0, 6).Select(i => Window(i, AfAndFlutter(0.99f, 0.99f))).ToList();

        var a = tracker.Interpreter.Assess(windows[0]);
        var af = a.Findings[IndexOf(Af)];
        Assert.False(af.Present);
        Assert.Equal(FindingBasis.Withheld, af.Basis);
        Assert.Equal(0.99f, af.Probability);                      // still reported
        Assert.True(a.Findings[IndexOf(Flutter)].Present);
        Assert.Equal(FindingBasis.Model, a.Findings[IndexOf(Flutter)].Basis);

        var events = Run(tracker, windows);
        Assert.Equal([Flutter], events.Where(e => e.Event == "onset").Select(e => e.Code));
        Assert.DoesNotContain(events, e => e.Code == Af);
        Assert.Equal([Flutter], tracker.ActiveCodes("patient-1"));
        Assert.Equal(1, tracker.StateCount);                       // no state is even held for AF
        Assert.Null(tracker.Interpreter.Policies[IndexOf(Af)].Priority);
        Assert.Equal([Af], tracker.Interpreter.WithheldLabels);
    }

    [Fact]
    public void A_configured_priority_or_threshold_does_not_make_an_unvalidated_label_alert()
    {
        var tracker = Tracker(Options(o => { o.ClinicalAlerts[Af] = "high"; o.Thresholds[Af] = 0.1; }), WithUnvalidated(Af));
        Assert.DoesNotContain(Run(tracker, Enumerable.Range(0, 6).Select(i => Window(i, Probs(Af, 0.99f)))), e => e.Kind == "clinical");
    }

    [Fact]
    public void An_unvalidated_rhythm_takes_no_part_in_arbitration()
    {
        // AF is the most probable rhythm but unvalidated: the published findings are those of a model without AF.
        var arbitrating = Options(o => o.ExclusiveRhythms = new InterpretationOptions().ExclusiveRhythms);
        var tracker = Tracker(arbitrating, WithUnvalidated(Af));
        var windows = Enumerable.Range(0, 4).Select(i => Window(i, AfAndFlutter(0.99f, 0.8f))).ToList();
        var present = tracker.Interpreter.Assess(windows[0]).Findings.Where(f => f.Present).Select(f => f.Label.Key);
        Assert.Equal([Flutter], present);
        Assert.Equal([Flutter], Run(tracker, windows).Where(e => e.Event == "onset").Select(e => e.Code));
    }

    [Fact]
    public void Version_2_labels_are_published_as_before()
    {
        var interpreter = new Interpreter(Metadata(), Options());
        Assert.All(interpreter.Policies, p => Assert.Equal(FindingBasis.Model, p.Basis));
        Assert.Empty(interpreter.WithheldLabels);
        Assert.True(interpreter.Assess(Window(0, Probs(Af, 0.99f))).Findings[IndexOf(Af)].Present);
    }

    [Fact]
    public void The_impression_codes_only_published_findings_and_keeps_the_unvalidated_probability_without_a_verdict()
    {
        var model = WithUnvalidated(Af);
        var interpreter = new Interpreter(model, Options());
        var analyzed = Window(0, AfAndFlutter(0.99f, 0.99f));
        var a = interpreter.Assess(analyzed);
        var obs = new ObservationFactory(new PublishingOptions(), model).Findings(new InterpretedWindow(analyzed, a.Findings, []));

        var value = (CodeableConcept)obs.Value;
        var afCode = model.Labels[IndexOf(Af)].SnomedCt;
        Assert.DoesNotContain(value.Coding, c => c.Code == afCode);
        Assert.Contains(value.Coding, c => c.Code == model.Labels[IndexOf(Flutter)].SnomedCt);
        Assert.DoesNotContain("Atrial fibrillation", value.Text);

        var afComponent = obs.Component.Single(c => c.Code.Coding[0].Code == afCode);
        Assert.Equal(0.99m, ((Quantity)afComponent.Value).Value);
        Assert.Empty(afComponent.Interpretation);                 // neither detected nor ruled out
        var flutterComponent = obs.Component.Single(c => c.Code.Coding[0].Code == model.Labels[IndexOf(Flutter)].SnomedCt);
        Assert.Equal("DET", flutterComponent.Interpretation.Single().Coding[0].Code);
    }

    [Fact]
    public void The_withheld_labels_are_logged_once_when_a_logger_is_given()
    {
        var log = new ListLogger();
        _ = new Interpreter(WithUnvalidated(Af, "lbbb"), Options(), log);
        var line = Assert.Single(log.Entries, e => e.Message.Contains("withheld as unvalidated"));
        Assert.Equal(LogLevel.Warning, line.Level);
        Assert.Contains("atrial_fibrillation, lbbb", line.Message);

        var v2 = new ListLogger();
        _ = new Interpreter(Metadata() with { SourceContractVersion = "2" }, Options(), v2);
        Assert.Single(v2.Entries, e => e.Level == LogLevel.Information && e.Message.Contains("no label withheld"));
    }
}

public class HeartRateFindingTests
{
    private const string Brady = "sinus_bradycardia", Tachy = "sinus_tachycardia", Sinus = "sinus_rhythm";

    /// <summary>The service's defaults for arbitration and heart-rate findings (the fixture turns both off).</summary>
    private static InterpretationOptions Bedside(Action<InterpretationOptions>? change = null) => Options(o =>
    {
        var defaults = new InterpretationOptions();
        o.ExclusiveRhythms = defaults.ExclusiveRhythms;
        o.HeartRateFindings = defaults.HeartRateFindings;
        change?.Invoke(o);
    });

    private static AnalyzedWindow At(long index, float[] probs, double? bpm)
    {
        var w = Window(index, probs);
        return w with { Measurement = w.Measurement with { HeartRateBpm = bpm } };
    }

    /// <summary>Sinus rhythm 0.9 (the winner), AF 0.1, brady and tachy at the given model probabilities.</summary>
    private static float[] SinusWith(float brady = 0f, float tachy = 0f)
    {
        var p = Probs(Af, 0.1f);
        p[IndexOf(Brady)] = brady;
        p[IndexOf(Tachy)] = tachy;
        return p;
    }

    private static string[] Present(Interpreter i, AnalyzedWindow w) =>
        i.Assess(w).Findings.Where(f => f.Present).Select(f => f.Label.Key).ToArray();

    [Fact]
    public void Sinus_rhythm_at_45_per_minute_is_sinus_bradycardia_whatever_the_model_says()
    {
        var interpreter = new Interpreter(Metadata(), Bedside());
        var a = interpreter.Assess(At(0, SinusWith(brady: 0f), 45));
        Assert.True(a.Findings[IndexOf(Brady)].Present);
        Assert.Equal(FindingBasis.HeartRate, a.Findings[IndexOf(Brady)].Basis);
        Assert.Equal(0f, a.Findings[IndexOf(Brady)].Probability);     // the model's probability is still what is reported
        Assert.Equal([Sinus, Brady], Present(interpreter, At(0, SinusWith(brady: 0f), 45)));
    }

    [Fact]
    public void Sinus_rhythm_at_80_per_minute_is_neither_even_when_the_model_is_sure()
    {
        var interpreter = new Interpreter(Metadata(), Bedside());
        // The model's 0.99 for brady neither makes it present nor beats sinus rhythm in arbitration.
        Assert.Equal([Sinus], Present(interpreter, At(0, SinusWith(brady: 0.99f, tachy: 0.99f), 80)));
    }

    [Fact]
    public void Sinus_rhythm_above_100_per_minute_is_sinus_tachycardia_and_the_limits_themselves_are_normal()
    {
        var interpreter = new Interpreter(Metadata(), Bedside());
        Assert.Equal([Sinus, Tachy], Present(interpreter, At(0, SinusWith(), 130)));
        Assert.Equal([Sinus], Present(interpreter, At(0, SinusWith(), 100)));
        Assert.Equal([Sinus], Present(interpreter, At(0, SinusWith(), 60)));
        Assert.Equal([Sinus], Present(interpreter, At(0, SinusWith(brady: 0.9f), null)));   // no measured rate: no rate finding
    }

    [Fact]
    public void Another_winning_rhythm_at_45_per_minute_is_no_sinus_bradycardia()
    {
        var interpreter = new Interpreter(Metadata(), Bedside());
        var afWins = Probs(Af, 0.95f);                 // sinus 0.05
        afWins[IndexOf(Brady)] = 0.9f;
        Assert.Equal([Af], Present(interpreter, At(0, afWins, 45)));
        // Sinus above its threshold but beaten by AF is not present either.
        var both = Probs(Af, 0.95f);
        both[IndexOf(Sinus)] = 0.8f;
        Assert.Equal([Af], Present(interpreter, At(0, both, 45)));
    }

    [Fact]
    public void The_validated_flag_of_the_rate_labels_does_not_matter_but_sinus_rhythms_does()
    {
        var unvalidatedRate = Metadata() with { Labels = Metadata().Labels.Select(l => l with { Validated = l.Key is not (Brady or Tachy) }).ToList() };
        var interpreter = new Interpreter(unvalidatedRate, Bedside());
        Assert.Equal([Sinus, Brady], Present(interpreter, At(0, SinusWith(), 45)));
        Assert.Empty(interpreter.WithheldLabels);

        var unvalidatedSinus = Metadata() with { Labels = Metadata().Labels.Select(l => l with { Validated = l.Key != Sinus }).ToList() };
        Assert.Empty(Present(new Interpreter(unvalidatedSinus, Bedside()), At(0, SinusWith(), 45)));
    }

    [Fact]
    public void Rate_alerts_follow_the_rate_with_persistence_and_carry_the_sinus_probability()
    {
        var tracker = Tracker(Bedside());
        double?[] rates = [45, 44, 46, 72, 75, 75, 120, 121];
        var events = Run(tracker, rates.Select((bpm, i) => At(i, SinusWith(brady: 0.01f, tachy: 0.01f), bpm)));
        Assert.Equal(
            [(Brady, "onset"), (Brady, "end"), (Tachy, "onset")],
            events.Select(e => (e.Code, e.Event)));
        var onset = events[0];
        Assert.Equal(T0, onset.Onset);
        Assert.Equal(0.9, onset.Probability!.Value, 6);             // sinus rhythm's probability, not brady's 0.01
        Assert.Equal(T0 + 3 * Hop, events[1].End);
        Assert.Equal(T0 + 6 * Hop, events[2].Onset);
    }

    [Fact]
    public void A_rate_hovering_at_the_limit_raises_one_alert_that_ends_only_past_the_hysteresis_band()
    {
        var tracker = Tracker(Bedside());
        double?[] rates = [58, 59, 61, 62, 59, 58, 63, 61, 64, 66, 67];
        var events = Run(tracker, rates.Select((bpm, i) => At(i, SinusWith(), bpm)));
        Assert.Equal([(Brady, "onset"), (Brady, "end")], events.Select(e => (e.Code, e.Event)));
        Assert.Equal(T0 + 9 * Hop, events[1].End);

        // Without the band the alert ends at the first two windows above 60 /min, while the rate still hovers there.
        var unbanded = Run(Tracker(Bedside(o => o.HeartRateHysteresisBpm = 0)), rates.Select((bpm, i) => At(i, SinusWith(), bpm)));
        Assert.Equal(T0 + 2 * Hop, unbanded.First(e => e.Code == Brady && e.Event == "end").End);
    }

    [Fact]
    public void The_model_probability_of_a_rate_label_never_raises_its_alert()
    {
        var tracker = Tracker(Bedside());
        var events = Run(tracker, Enumerable.Range(0, 6).Select(i => At(i, SinusWith(brady: 0.99f), 75)));
        Assert.DoesNotContain(events, e => e.Code == Brady);
    }

    [Fact]
    public void Thresholds_are_options_and_a_model_without_the_labels_is_left_alone()
    {
        var interpreter = new Interpreter(Metadata(), Bedside(o => { o.BradycardiaBelowBpm = 50; o.TachycardiaAboveBpm = 90; }));
        Assert.Equal([Sinus], Present(interpreter, At(0, SinusWith(), 55)));
        Assert.Equal([Sinus, Tachy], Present(interpreter, At(0, SinusWith(), 95)));

        var noRateLabels = Metadata() with { Labels = Metadata().Labels.Where(l => l.Key is not (Brady or Tachy)).ToList() };
        var plain = new Interpreter(noRateLabels, Bedside());
        Assert.Empty(plain.HeartRateLabels);
        Assert.Equal([Sinus], plain.Assess(At(0, SinusWith().Where((_, i) => i != IndexOf(Brady) && i != IndexOf(Tachy)).ToArray(), 45))
            .Findings.Where(f => f.Present).Select(f => f.Label.Key));

        // Without a sinus rhythm label, no window is in sinus rhythm: the rate labels are never present.
        var noSinus = Metadata() with { Labels = Metadata().Labels.Where(l => l.Key != Sinus).ToList() };
        var probs = SinusWith().Where((_, i) => i != IndexOf(Sinus)).ToArray();
        Assert.DoesNotContain(new Interpreter(noSinus, Bedside()).Assess(At(0, probs, 45)).Findings, f => f.Present && f.Label.Key == Brady);
    }

    [Fact]
    public void Defaults_are_the_bedside_limits()
    {
        var o = new InterpretationOptions().Validate();
        Assert.Equal([Brady, Tachy], o.HeartRateFindings);
        Assert.Equal(60, o.BradycardiaBelowBpm);
        Assert.Equal(100, o.TachycardiaAboveBpm);
        var interpreter = new Interpreter(Metadata(), o);
        Assert.Equal([Brady, Tachy], interpreter.HeartRateLabels);
        Assert.Equal(FindingBasis.HeartRate, interpreter.Policies[IndexOf(Brady)].Basis);
        Assert.Equal(AlertPriority.Low, interpreter.Policies[IndexOf(Brady)].Priority);
    }

    public static TheoryData<Action<InterpretationOptions>, string> Bad => new()
    {
        { o => o.HeartRateFindings = null!, nameof(InterpretationOptions.HeartRateFindings) },
        { o => o.HeartRateFindings = [Af], nameof(InterpretationOptions.HeartRateFindings) },
        { o => o.HeartRateFindings = ["sinus_brady"], nameof(InterpretationOptions.HeartRateFindings) },
        { o => o.HeartRateFindings = [Brady, "SINUS_BRADYCARDIA"], nameof(InterpretationOptions.HeartRateFindings) },
        { o => o.BradycardiaBelowBpm = 0, nameof(InterpretationOptions.BradycardiaBelowBpm) },
        { o => o.BradycardiaBelowBpm = double.NaN, nameof(InterpretationOptions.BradycardiaBelowBpm) },
        { o => o.TachycardiaAboveBpm = 55, nameof(InterpretationOptions.TachycardiaAboveBpm) },
        { o => o.TachycardiaAboveBpm = double.PositiveInfinity, nameof(InterpretationOptions.TachycardiaAboveBpm) },
        { o => o.HeartRateHysteresisBpm = -1, nameof(InterpretationOptions.HeartRateHysteresisBpm) },
        { o => o.HeartRateHysteresisBpm = double.NaN, nameof(InterpretationOptions.HeartRateHysteresisBpm) },
    };

    [Theory]
    [MemberData(nameof(Bad))]
    public void Invalid_rate_options_name_the_option(Action<InterpretationOptions> change, string name)
    {
        var o = new InterpretationOptions();
        change(o);
        Assert.Equal(name, Assert.ThrowsAny<ArgumentException>(() => o.Validate()).ParamName);
        Assert.Equal(name, Assert.ThrowsAny<ArgumentException>(() => new Interpreter(Metadata(), o)).ParamName);
    }
}

internal sealed class ListLogger : ILogger
{
    public readonly List<(LogLevel Level, string Message)> Entries = [];
    public IDisposable BeginScope<TState>(TState state) where TState : notnull => null;
    public bool IsEnabled(LogLevel logLevel) => true;
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception exception, Func<TState, Exception, string> formatter)
    {
        lock (Entries) Entries.Add((logLevel, formatter(state, exception)));
    }
}
