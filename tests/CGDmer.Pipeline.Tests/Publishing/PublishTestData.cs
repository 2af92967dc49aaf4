// FHIR POCO properties are nullable throughout; these tests assert their presence explicitly.
#nullable disable warnings
using CGDmer.Contracts.Model;
using CGDmer.Pipeline.Inference;
using CGDmer.Pipeline.Interpretation;
using CGDmer.Pipeline.Measurement;
using CGDmer.Pipeline.Publishing;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal;
using CGDmer.Signal.Dsp;
using Hl7.Fhir.Model;
using Hl7.Fhir.Validation;

namespace CGDmer.Pipeline.Tests.Publishing;

/// <summary>Builders of interpreted windows and a checker that runs Firely's POCO validation.</summary>
internal static class PublishTestData
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 25, 18, 0, 10, 250, TimeSpan.Zero);

    /// <summary>
    /// The 15 labels the golden file and the property generator's seeds were written with (before other_rhythm): a label
    /// added to <see cref="EcgLabels.All"/> changes every Observation and shifts the generator's random draws.
    /// </summary>
    public static readonly IReadOnlyList<EcgLabel> RecordedLabels = [.. EcgLabels.All.Where(l => l != EcgLabels.OtherRhythm)];

    public static ModelMetadata Model(string version = "0.1.0", IReadOnlyList<EcgLabel>? labels = null) => new()
    {
        ModelName = "cgdmer-small",
        ModelVersion = version,
        Labels = (labels ?? EcgLabels.All).Select((l, i) => new LabelMetadata(l.Key, l.SnomedCode, l.Display, 0.3 + 0.02 * i)).ToArray(),
        SampleRateHz = 100,
        WindowSamples = 1000,
        Preprocessing = EcgPreprocessing.Identifier,
        EmbeddingDim = 64,
    };

    public static WindowGeometry Geometry(ModelMetadata model) => WindowGeometry.FromMetadata(model);

    public static EcgWindow Window(ModelMetadata model, string patient = "patient-0042", DateTimeOffset? start = null,
                                   WindowStatus status = WindowStatus.Analyzable, Lead[]? missing = null)
    {
        var g = Geometry(model);
        var recorded = g.LeadOrder.ToArray();
        missing ??= [];
        var mask = recorded.Select(l => missing.Contains(l) ? 0f : 1f).ToArray();
        return new EcgWindow(patient, "monitor-7", 3, start ?? T0, g, new float[g.LeadCount * g.WindowSamples], mask,
                             recorded, missing, status == WindowStatus.Analyzable ? 1.0 : 0.0, status,
                             System.Diagnostics.Stopwatch.GetTimestamp());
    }

    public static WindowMeasurement Measured(double? hr = 72.4, double? rr = 0.05, double sqi = 0.93) =>
        new([50, 133, 216, 299, 382, 465, 548, 631, 714, 797, 880, 963], hr, rr, sqi, Lead.II);

    /// <summary>Findings in model order; <paramref name="present"/> names the label keys that pass their threshold.</summary>
    public static IReadOnlyList<Finding> Findings(ModelMetadata model, float[] probabilities, params string[] present) =>
        model.Labels.Select((l, i) => new Finding(l, probabilities[i], present.Contains(l.Key))).ToArray();

    public static float[] Probabilities(ModelMetadata model, int seed = 1)
    {
        var rng = new Random(seed);
        return model.Labels.Select(_ => (float)rng.NextDouble()).ToArray();
    }

    public static InterpretedWindow Interpreted(ModelMetadata model, EcgWindow? window = null, WindowMeasurement? measurement = null,
                                                float[]? probabilities = null, string[]? present = null,
                                                string? suppressed = null, IReadOnlyList<AlertEvent>? alerts = null)
    {
        window ??= Window(model);
        measurement ??= Measured();
        probabilities ??= Probabilities(model);
        present ??= ["atrial_fibrillation", "pvc"];
        var findings = suppressed is null ? Findings(model, probabilities, present) : [];
        return new InterpretedWindow(new AnalyzedWindow(window, measurement, probabilities), findings, alerts ?? [], suppressed);
    }

    public static ObservationFactory Factory(ModelMetadata? model = null, PublishingOptions? options = null) =>
        new(options ?? new PublishingOptions(), model ?? Model());

    /// <summary>
    /// The FHIRPath invariants of R4 Observation that Firely's POCO validation does not evaluate (it checks cardinalities,
    /// primitive formats and choice types only). From the R4 spec, Observation and Observation.component.
    /// </summary>
    private static readonly (string Key, string Expression)[] ObservationInvariants =
    [
        ("obs-6", "dataAbsentReason.empty() or value.empty()"),
        // obs-7 is "value.empty() or component.code.where(coding.intersect(%resource.code.coding).exists()).empty()";
        // evaluated at the root, this is the same without %resource (which the POCO evaluator leaves unbound here).
        ("obs-7", "value.empty() or component.code.coding.intersect(code.coding).empty()"),
        ("obs-3", "referenceRange.all(low.exists() or high.exists() or text.exists())"),
        // vs-3 of the vital-signs profile on components, true of any sensible component as well.
        ("vs-3", "component.all(value.exists() or dataAbsentReason.exists())"),
    ];

    /// <summary>
    /// Firely's POCO validation (cardinalities, primitive formats, allowed types), recursively, plus the Observation
    /// invariants above; the errors as text.
    /// </summary>
    public static IReadOnlyList<string> PocoErrors(Base resource)
    {
        var errors = resource.Validate(ModelInfo.ModelInspector).Select(e => e.ToString()).ToList();
        if (resource is Observation o)
        {
            var ctx = new Hl7.Fhir.FhirPath.FhirEvaluationContext();
            foreach (var (key, expression) in ObservationInvariants)
                if (!Hl7.Fhir.FhirPath.FhirPathExtensions.IsTrue(o, expression, ctx))
                    errors.Add($"{key} violated: {expression}");
        }
        return errors;
    }
}
