// FHIR POCO properties are nullable throughout; these tests assert their presence explicitly.
#nullable disable warnings
using CGDmer.Contracts;
using CGDmer.Pipeline.Inference;
using CGDmer.Pipeline.Interpretation;
using CGDmer.Pipeline.Measurement;
using CGDmer.Pipeline.Publishing;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal;
using FsCheck;
using FsCheck.Xunit;
using Hl7.Fhir.Model;
using static CGDmer.Pipeline.Tests.Publishing.PublishTestData;

namespace CGDmer.Pipeline.Tests.Publishing;

public class PublishPropertyTests
{
    private static readonly float[] OddFloats = [0, 1, float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0.1f, 1.5f, float.Epsilon, 0.99995f];
    private static readonly double?[] OddRates = [null, 0, -1, double.NaN, double.PositiveInfinity, 1e300, 0.0001, 30, 72.45, 299.99];
    private static readonly string[] Patients = ["p", "patient-0042", "MRN 0042/ä", "Ünïcödé 患者", "a\"b\\c", "x\u0001y", new string('9', 64), "Patient/1", "1.2.3"];

    /// <summary>A random interpreted window over a random subset of the model's labels: mostly plausible, sometimes odd.</summary>
    internal static (InterpretedWindow Window, PublishingOptions Options, Contracts.Model.ModelMetadata Model) Random(int seed)
    {
        var rng = new Random(seed);
        bool Rare() => rng.Next(5) == 0;
        var labels = RecordedLabels.Where(_ => rng.Next(3) > 0).ToArray();
        if (labels.Length == 0) labels = [EcgLabels.AtrialFibrillation];
        var model = Model(rng.Next(3) switch { 0 => "0.1.0", 1 => "1.0.0-rc.1", _ => "2.3.4+build.5" }, labels);

        var status = Rare() ? WindowStatus.NoSignal : WindowStatus.Analyzable;
        var missing = Leads.StandardOrder.Where(_ => rng.Next(6) == 0).ToArray();
        var start = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero)
            .AddTicks(rng.NextInt64(0, TimeSpan.TicksPerDay * 3650))
            .ToOffset(TimeSpan.FromMinutes(rng.Next(-12, 15) * 60));
        var window = Window(model, Patients[rng.Next(Patients.Length)], start, status, missing);

        var beats = Enumerable.Range(0, rng.Next(0, 30)).Select(i => i * 33).ToArray();
        var measurement = new WindowMeasurement(beats,
            Rare() ? OddRates[rng.Next(OddRates.Length)] : 20 + rng.NextDouble() * 250,
            Rare() ? OddRates[rng.Next(OddRates.Length)] : rng.NextDouble(),
            Rare() ? (double)OddFloats[rng.Next(OddFloats.Length)] : rng.NextDouble(),
            rng.Next(4) == 0 ? null : Leads.StandardOrder[rng.Next(12)]);

        var probabilities = model.Labels.Select(_ => Rare() ? OddFloats[rng.Next(OddFloats.Length)] : (float)rng.NextDouble()).ToArray();
        string? suppressed = rng.Next(6) == 0 ? (rng.Next(2) == 0 ? "poor_signal" : "other_reason") : null;
        var findings = suppressed is not null || status != WindowStatus.Analyzable || rng.Next(8) == 0
            ? (IReadOnlyList<Finding>)[]
            : model.Labels.Select((l, i) => new Finding(l, probabilities[i], rng.Next(3) == 0)).ToArray();
        var analyzed = new AnalyzedWindow(window, measurement, status == WindowStatus.Analyzable ? probabilities : null);

        var options = new PublishingOptions
        {
            PatientReference = rng.Next(2) == 0 ? PatientReferenceMode.Identifier : PatientReferenceMode.Literal,
            PublishSuppressedFindings = rng.Next(4) > 0,
            ProjectUri = rng.Next(2) == 0 ? "urn:cgdmer" : "https://cgdmer.example.org/fhir",
        };
        return (new InterpretedWindow(analyzed, findings, [], suppressed), options, model);
    }

    internal static bool HasControlCharacter(InterpretedWindow w) =>
        w.Analyzed.Window.IsAnalyzable && w.Analyzed.Window.PatientId.Any(c => c < ' ' && c is not ('\r' or '\n' or '\t'));

    [Property(MaxTest = 300)]
    public bool Every_observation_produced_is_valid_fhir_and_round_trips(int seed)
    {
        var (w, options, model) = Random(seed);
        if (HasControlCharacter(w))
        {
            // Not representable in FHIR: refused, never emitted invalid.
            Assert.Throws<ArgumentException>(() => new ObservationFactory(options, model).Create(w));
            return true;
        }
        var list = new ObservationFactory(options, model).Create(w);
        foreach (var o in list)
        {
            var errors = PocoErrors(o.Resource);
            if (errors.Count > 0) throw new Xunit.Sdk.XunitException($"seed {seed}: {o.Kind} invalid: {string.Join(" | ", errors)}");
            var line = FhirNdjson.Serialize(o.Resource);
            var back = FhirNdjson.Parse<Observation>(line);
            if (!o.Resource.IsExactly(back) || FhirNdjson.Serialize(back) != line)
                throw new Xunit.Sdk.XunitException($"seed {seed}: {o.Kind} does not round-trip");
        }
        return true;
    }

    [Property(MaxTest = 300)]
    public bool Observations_follow_the_documented_rules(int seed)
    {
        var (w, options, model) = Random(seed);
        if (HasControlCharacter(w)) return true; // covered above
        var list = new ObservationFactory(options, model).Create(w);
        var ecg = w.Analyzed.Window;
        var kinds = list.Select(o => o.Kind).ToArray();

        if (!ecg.IsAnalyzable) return list.Count == 0;
        // At most one of each kind, heart rate first.
        if (kinds.Distinct().Count() != kinds.Length || (kinds.Length == 2 && kinds[0] != ObservationIds.HeartRate)) return false;

        bool hasHr = w.Analyzed.Measurement.HeartRateBpm is { } bpm && double.IsFinite(bpm) && bpm > 0 && bpm <= 1e12
                     && w.ClinicalSuppressedReason is null;
        if (hasHr != kinds.Contains(ObservationIds.HeartRate)) return false;
        bool hasEcg = w.ClinicalSuppressedReason is null ? w.Findings.Count > 0 : options.PublishSuppressedFindings;
        if (hasEcg != kinds.Contains(ObservationIds.Findings)) return false;

        foreach (var o in list)
        {
            var r = o.Resource;
            if (r.Id != ObservationIds.Derive(ecg.PatientId, o.Kind, ecg.Start, ecg.End, model.ModelVersion)) return false;
            var p = (Period)r.Effective;
            if (p.StartElement.ToDateTimeOffset(TimeSpan.Zero) != ecg.Start.AddTicks(-(ecg.Start.Ticks % TimeSpan.TicksPerMillisecond))) return false;
            if (r.Subject.Identifier.Value != ecg.PatientId) return false;
            if (o.Kind == ObservationIds.Findings && w.ClinicalSuppressedReason is null)
            {
                // One component per label, in the model's order, each a probability in [0, 1] or data-absent.
                var labelComponents = r.Component.Where(c => c.Code.Coding.Single().System == ObservationFactory.SnomedCt).ToArray();
                if (!labelComponents.Select(c => c.Code.Coding.Single().Code).SequenceEqual(w.Findings.Select(f => f.Label.SnomedCt))) return false;
                if (!r.Component.Take(labelComponents.Length).SequenceEqual(labelComponents)) return false; // labels first
                if (labelComponents.Any(c => c.Value is Quantity q ? q.Value is < 0 or > 1 : c.DataAbsentReason is null)) return false;
                var present = w.Findings.Where(f => f.Present).Select(f => f.Label.SnomedCt).ToArray();
                // The SNOMED CT codings are the present findings; an MDC coding may follow one (the same finding's event code).
                var coded = ((CodeableConcept)r.Value).Coding.Where(c => c.System != ObservationFactory.Mdc).Select(c => c.Code).ToArray();
                if (present.Length > 0 ? !coded.SequenceEqual(present) : coded.Single() != ObservationFactory.ProjectCodes.NoFinding) return false;
            }
            if (o.Kind == ObservationIds.HeartRate && r.Component.Count != 0) return false;
        }
        return true;
    }

    [Fact]
    public void The_generator_reaches_every_case()
    {
        // Guards the properties above against a generator that never produces the interesting cases.
        var seen = new HashSet<string>();
        for (int seed = 0; seed < 300; seed++)
        {
            var (w, options, model) = Random(seed);
            if (HasControlCharacter(w)) { seen.Add("refused"); continue; }
            var list = new ObservationFactory(options, model).Create(w);
            if (list.Count == 0) seen.Add("none");
            foreach (var o in list)
            {
                seen.Add(o.Kind);
                if (o.Resource.DataAbsentReason is not null) seen.Add("suppressed");
                if (o.Resource.Value is CodeableConcept cc && cc.Coding[0].Code == ObservationFactory.ProjectCodes.NoFinding) seen.Add("no-finding");
                if (o.Resource.Component.Any(c => c.DataAbsentReason is not null)) seen.Add("absent-component");
                if (o.Resource.Subject.Reference is not null) seen.Add("literal");
            }
        }
        Assert.Superset(new HashSet<string> { "refused", "none", "hr", "ecg", "suppressed", "no-finding", "absent-component", "literal" }, seen);
    }
}
