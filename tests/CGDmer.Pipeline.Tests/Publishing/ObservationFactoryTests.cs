// FHIR POCO properties are nullable throughout; these tests assert their presence explicitly.
#nullable disable warnings
using CGDmer.Contracts;
using CGDmer.Pipeline.Publishing;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal;
using Hl7.Fhir.Model;
using static CGDmer.Pipeline.Tests.Publishing.PublishTestData;

namespace CGDmer.Pipeline.Tests.Publishing;

public class ObservationFactoryTests
{
    private static Observation Single(IReadOnlyList<PublishedObservation> list, string kind) =>
        Assert.Single(list, o => o.Kind == kind).Resource;

    private static void AssertValid(Resource r)
    {
        var errors = PocoErrors(r);
        Assert.True(errors.Count == 0, $"{r.TypeName} {r.Id} is invalid: {string.Join(" | ", errors)}");
    }

    [Fact]
    public void Analyzable_window_with_findings_gives_heart_rate_then_findings()
    {
        var list = Factory().Create(Interpreted(Model()));
        Assert.Equal([ObservationIds.HeartRate, ObservationIds.Findings], list.Select(o => o.Kind));
        foreach (var o in list) AssertValid(o.Resource);
    }

    [Fact]
    public void Heart_rate_observation_has_exact_codes_units_and_profile()
    {
        var model = Model();
        var window = Interpreted(model, measurement: Measured(hr: 72.44, rr: 0.0512, sqi: 0.9349));
        var hr = Single(Factory(model).Create(window), ObservationIds.HeartRate);

        Assert.Equal(ObservationStatus.Final, hr.Status);
        Assert.Equal([ObservationFactory.HeartRateProfile], hr.Meta.Profile);
        var cat = Assert.Single(Assert.Single(hr.Category).Coding);
        Assert.Equal(("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs"), (cat.System, cat.Code));
        Assert.Collection(hr.Code.Coding,
            c => Assert.Equal(("http://loinc.org", "8867-4", "Heart rate"), (c.System, c.Code, c.Display)),
            c => Assert.Equal(("urn:iso:std:iso:11073:10101", "147842", "MDC_ECG_HEART_RATE"), (c.System, c.Code, c.Display)));
        var q = Assert.IsType<Quantity>(hr.Value);
        Assert.Equal((72.4m, "beats/minute", "http://unitsofmeasure.org", "/min"), (q.Value, q.Unit, q.System, q.Code));
        Assert.Equal("monitor-7", hr.Device.Identifier.Value);
        Assert.Equal("urn:cgdmer:device-id", hr.Device.Identifier.System);
        Assert.Equal("Device/" + DeviceFactory.MonitorId("monitor-7"), hr.Device.Reference);

        Assert.Empty(hr.Component); // the heart-rate profile allows vital-sign units only in components
        AssertValid(hr);
    }

    [Fact]
    public void Effective_period_is_the_window_in_utc_with_milliseconds()
    {
        var model = Model();
        var start = new DateTimeOffset(2026, 11, 25, 19, 0, 10, 250, TimeSpan.FromHours(1)); // 18:00:10.250Z
        var window = Interpreted(model, Window(model, start: start));
        foreach (var o in Factory(model).Create(window))
        {
            var p = Assert.IsType<Period>(o.Resource.Effective);
            Assert.Equal("2026-11-25T18:00:10.250Z", p.Start);
            Assert.Equal("2026-11-25T18:00:20.250Z", p.End);
            Assert.Equal(window.Analyzed.Window.Start, p.StartElement.ToDateTimeOffset(TimeSpan.Zero));
            Assert.Equal(window.Analyzed.Window.End, p.EndElement.ToDateTimeOffset(TimeSpan.Zero));
        }
    }

    [Fact]
    public void Ids_are_the_contract_ids_of_the_window()
    {
        var model = Model("1.2.3");
        var w = Interpreted(model);
        var list = Factory(model).Create(w);
        var win = w.Analyzed.Window;
        Assert.Equal(ObservationIds.Derive("patient-0042", "hr", win.Start, win.End, "1.2.3"), Single(list, "hr").Id);
        Assert.Equal(ObservationIds.Derive("patient-0042", "ecg", win.Start, win.End, "1.2.3"), Single(list, "ecg").Id);
        Assert.All(list, o => Assert.True(Id.IsValidValue(o.Resource.Id)));
        Assert.All(list, o => Assert.DoesNotContain("patient-0042", o.Resource.Id));
    }

    [Fact]
    public void Same_input_twice_gives_identical_json_and_another_model_version_another_id()
    {
        var model = Model();
        var a = Factory(model).Create(Interpreted(model)).Select(o => FhirNdjson.Serialize(o.Resource)).ToArray();
        var b = Factory(Model()).Create(Interpreted(Model())).Select(o => FhirNdjson.Serialize(o.Resource)).ToArray();
        Assert.Equal(a, b);

        var v2 = Model("0.2.0");
        var c = Factory(v2).Create(Interpreted(v2));
        var first = Factory(model).Create(Interpreted(model));
        Assert.NotEqual(first[0].Id, c[0].Id);
        Assert.NotEqual(first[1].Id, c[1].Id);
        Assert.NotEqual(first[1].Resource.Device.Reference, c[1].Resource.Device.Reference);
    }

    [Fact]
    public void Different_windows_or_patients_get_different_ids()
    {
        var model = Model();
        var f = Factory(model);
        var ids = new[]
        {
            f.Create(Interpreted(model)),
            f.Create(Interpreted(model, Window(model, start: T0.AddSeconds(5)))),
            f.Create(Interpreted(model, Window(model, patient: "patient-0043"))),
        }.SelectMany(l => l.Select(o => o.Id)).ToArray();
        Assert.Equal(ids.Length, ids.Distinct().Count());
    }

    [Fact]
    public void Findings_observation_has_present_codes_and_one_probability_component_per_label_in_model_order()
    {
        var model = Model();
        var p = Probabilities(model, seed: 7);
        var ecg = Single(Factory(model).Create(Interpreted(model, probabilities: p, present: ["atrial_fibrillation", "pvc"])), "ecg");

        Assert.Equal(ObservationStatus.Final, ecg.Status);
        var cat = Assert.Single(Assert.Single(ecg.Category).Coding);
        Assert.Equal("procedure", cat.Code);
        var code = Assert.Single(ecg.Code.Coding);
        Assert.Equal(("http://loinc.org", "8601-7", "EKG impression"), (code.System, code.Code, code.Display));

        var value = Assert.IsType<CodeableConcept>(ecg.Value);
        // AF with its MDC event code (MDC_EVT_ECG_ATR_FIB); PVCs have none in 11073-10101.
        Assert.Equal([("http://snomed.info/sct", "49436004"), ("urn:iso:std:iso:11073:10101", "199736"), ("http://snomed.info/sct", "427172004")],
                     value.Coding.Select(c => (c.System, c.Code)));
        Assert.Equal("Atrial fibrillation; Premature ventricular contractions", value.Text);

        Assert.Equal(model.Labels.Select(l => l.SnomedCt), ecg.Component.Take(p.Length).Select(c => c.Code.Coding.Single().Code));
        Assert.All(ecg.Component.Take(p.Length), c => Assert.Equal("http://snomed.info/sct", c.Code.Coding.Single().System));
        Assert.All(ecg.Component.Skip(p.Length), c => Assert.Equal("urn:cgdmer:codesystem", c.Code.Coding.Single().System));
        for (int i = 0; i < p.Length; i++)
        {
            var q = Assert.IsType<Quantity>(ecg.Component[i].Value);
            Assert.Equal(("1", "1", "http://unitsofmeasure.org"), (q.Unit, q.Code, q.System));
            Assert.Equal(Math.Round((decimal)(double)p[i], 4, MidpointRounding.AwayFromZero), q.Value);
            Assert.InRange(q.Value!.Value, 0m, 1m);
            bool present = model.Labels[i].Key is "atrial_fibrillation" or "pvc";
            Assert.Equal(present ? "DET" : "ND", ecg.Component[i].Interpretation.Single().Coding.Single().Code);
        }
        AssertValid(ecg);
    }

    [Fact]
    public void Findings_observation_carries_the_measurement_components()
    {
        var model = Model();
        var ecg = Single(Factory(model).Create(Interpreted(model, measurement: Measured(hr: 72.44, rr: 0.0512, sqi: 0.9349))), "ecg");
        var components = ecg.Component.Skip(model.Labels.Count).ToDictionary(c => c.Code.Coding.Single().Code);
        Assert.Equal(0.935m, ((Quantity)components[ObservationFactory.ProjectCodes.SignalQuality].Value).Value);
        Assert.Equal(0.051m, ((Quantity)components[ObservationFactory.ProjectCodes.RrIrregularity].Value).Value);
        Assert.Equal("1", ((Quantity)components[ObservationFactory.ProjectCodes.RrIrregularity].Value).Code);
        Assert.Equal(12m, ((Quantity)components[ObservationFactory.ProjectCodes.BeatCount].Value).Value);
        Assert.Equal("{beats}", ((Quantity)components[ObservationFactory.ProjectCodes.BeatCount].Value).Code);
        var lead = (CodeableConcept)components[ObservationFactory.ProjectCodes.AnalysisLead].Value;
        Assert.Equal(("urn:iso:std:iso:11073:10101", "131074", "MDC_ECG_LEAD_II"), (lead.Coding.Single().System, lead.Coding.Single().Code, lead.Coding.Single().Display));
        Assert.Equal("II", lead.Text);
        Assert.Equal(4, components.Count);

        var noRr = Single(Factory(model).Create(Interpreted(model, measurement: Measured(rr: null))), "ecg");
        Assert.DoesNotContain(noRr.Component, c => c.Code.Coding.Single().Code == ObservationFactory.ProjectCodes.RrIrregularity);
    }

    [Fact]
    public void Findings_observation_names_the_model_device_and_method()
    {
        var model = Model();
        var f = Factory(model);
        var ecg = Single(f.Create(Interpreted(model)), "ecg");
        Assert.Equal("Device/" + f.ModelDevice.Id, ecg.Device.Reference);
        Assert.Equal("Device/" + DeviceFactory.DeriveId("cgdmer-small", "0.1.0"), ecg.Device.Reference);
        Assert.Contains("cgdmer-small 0.1.0", ecg.Method.Text);
        Assert.Contains("Leads analysed: I, II, III, aVR, aVL, aVF, V1, V2, V3, V4, V5, V6.", ecg.Note.Single().Text);
    }

    [Fact]
    public void Lead_off_leads_are_named_in_the_note()
    {
        var model = Model();
        var ecg = Single(Factory(model).Create(Interpreted(model, Window(model, missing: [Lead.V1, Lead.V2]))), "ecg");
        Assert.Contains("Leads off or interrupted: V1, V2.", ecg.Note.Single().Text);
        Assert.DoesNotContain("V1,", ecg.Note.Single().Text.Split('.')[0]);
    }

    [Fact]
    public void No_present_finding_gives_the_project_no_finding_code()
    {
        var model = Model();
        var ecg = Single(Factory(model).Create(Interpreted(model, present: [])), "ecg");
        var coding = Assert.Single(Assert.IsType<CodeableConcept>(ecg.Value).Coding);
        Assert.Equal(("urn:cgdmer:codesystem", ObservationFactory.ProjectCodes.NoFinding), (coding.System, coding.Code));
        Assert.Equal("No finding above its decision threshold", coding.Display);   // as PCD-01 displays it
        Assert.Null(ecg.DataAbsentReason);
        Assert.All(ecg.Component.Where(c => c.Code.Coding[0].System == "http://snomed.info/sct"),
                   c => Assert.Equal("ND", c.Interpretation.Single().Coding.Single().Code));
        AssertValid(ecg);
    }

    [Fact]
    public void A_finding_awaiting_confirmation_is_indeterminate_and_not_in_the_value()
    {
        var model = Model();
        int af = model.Labels.ToList().FindIndex(l => l.Key == "atrial_fibrillation");
        var w = Interpreted(model, present: ["sinus_rhythm"]);
        var findings = w.Findings.ToArray();
        findings[af] = findings[af] with { Unconfirmed = true };
        var ecg = Single(Factory(model).Create(w with { Findings = findings }), "ecg");
        // Sinus rhythm is present and coded; AF is neither detected nor ruled out.
        Assert.Equal(["426783006"], Assert.IsType<CodeableConcept>(ecg.Value).Coding.Select(c => c.Code));
        Assert.Equal("IND", ecg.Component[af].Interpretation.Single().Coding.Single().Code);
        AssertValid(ecg);

        // Nothing present: the value says a finding awaits confirmation, and which.
        findings = Interpreted(model, present: []).Findings.ToArray();
        findings[af] = findings[af] with { Unconfirmed = true };
        ecg = Single(Factory(model).Create(w with { Findings = findings }), "ecg");
        var value = Assert.IsType<CodeableConcept>(ecg.Value);
        Assert.Equal(("urn:cgdmer:codesystem", ObservationFactory.ProjectCodes.AwaitingConfirmation),
                     (value.Coding.Single().System, value.Coding.Single().Code));
        Assert.Equal("Awaiting confirmation: Atrial fibrillation", value.Text);
        Assert.Equal("IND", ecg.Component[af].Interpretation.Single().Coding.Single().Code);
        Assert.Equal(model.Labels.Count - 1,
                     ecg.Component.Take(model.Labels.Count).Count(c => c.Interpretation.Single().Coding.Single().Code == "ND"));
        AssertValid(ecg);
    }

    [Fact]
    public void No_heart_rate_means_no_heart_rate_observation()
    {
        var model = Model();
        foreach (var hr in new double?[] { null, double.NaN, double.PositiveInfinity, 0, -5 })
        {
            var list = Factory(model).Create(Interpreted(model, measurement: Measured(hr: hr)));
            Assert.Equal([ObservationIds.Findings], list.Select(o => o.Kind));
        }
    }

    [Fact]
    public void NoSignal_window_gives_no_observation()
    {
        var model = Model();
        var window = Interpreted(model, Window(model, status: WindowStatus.NoSignal), probabilities: null, present: []);
        Assert.Empty(Factory(model).Create(window with { Findings = [] }));
        // Even if a measurement slipped through, a window without signal is not charted.
        Assert.Empty(Factory(model).Create(window));
    }

    [Fact]
    public void Window_without_findings_gives_only_heart_rate()
    {
        var model = Model();
        var w = Interpreted(model);
        var list = Factory(model).Create(w with { Findings = [] });
        Assert.Equal([ObservationIds.HeartRate], list.Select(o => o.Kind));
    }

    [Fact]
    public void Suppressed_window_gives_an_impression_without_value_and_no_heart_rate()
    {
        var model = Model();
        var list = Factory(model).Create(Interpreted(model, suppressed: "poor_signal"));
        var ecg = Single(list, "ecg");
        Assert.DoesNotContain(list, o => o.Kind == "hr");
        Assert.Null(ecg.Value);
        var dar = Assert.Single(ecg.DataAbsentReason.Coding);
        Assert.Equal(("http://terminology.hl7.org/CodeSystem/data-absent-reason", "error"), (dar.System, dar.Code));
        Assert.Contains("poor_signal", ecg.DataAbsentReason.Text);
        Assert.DoesNotContain(ecg.Component, c => c.Code.Coding.Single().System == "http://snomed.info/sct");
        Assert.Contains(ecg.Component, c => c.Code.Coding.Single().Code == ObservationFactory.ProjectCodes.SignalQuality);
        AssertValid(ecg);
    }

    [Fact]
    public void Suppressed_window_gives_nothing_when_the_option_is_off()
    {
        var model = Model();
        var f = Factory(model, new PublishingOptions { PublishSuppressedFindings = false });
        Assert.Empty(f.Create(Interpreted(model, suppressed: "poor_signal")));
    }

    [Fact]
    public void Subject_is_a_logical_identifier_reference_by_default()
    {
        var model = Model();
        var options = new PublishingOptions { PatientIdentifierSystem = "https://hospital.example/fhir/sid/mrn" };
        foreach (var o in Factory(model, options).Create(Interpreted(model)))
        {
            Assert.Null(o.Resource.Subject.Reference);
            Assert.Equal(("https://hospital.example/fhir/sid/mrn", "patient-0042"),
                         (o.Resource.Subject.Identifier.System, o.Resource.Subject.Identifier.Value));
        }
    }

    [Fact]
    public void Each_patient_s_subject_and_each_monitor_s_reference_are_built_once_and_shared_by_its_observations()
    {
        var model = Model();
        var f = Factory(model, new PublishingOptions { PatientReference = PatientReferenceMode.Literal });
        var t0 = new DateTimeOffset(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);
        var first = f.Create(Interpreted(model, Window(model, start: t0)));
        var later = f.Create(Interpreted(model, Window(model, start: t0.AddSeconds(5))));
        var other = f.Create(Interpreted(model, Window(model, patient: "patient-0043", start: t0)));
        var heartRate = Single(first, ObservationIds.HeartRate);
        Assert.Same(heartRate.Subject, Single(later, ObservationIds.HeartRate).Subject);
        Assert.Same(heartRate.Subject, Single(first, ObservationIds.Findings).Subject);
        Assert.Same(heartRate.Device, Single(later, ObservationIds.HeartRate).Device);
        Assert.NotSame(heartRate.Subject, Single(other, ObservationIds.HeartRate).Subject);
        Assert.Equal("Patient/patient-0043", Single(other, ObservationIds.HeartRate).Subject.Reference);
        // Another factory (other options) builds its own.
        var logical = Factory(model, new PublishingOptions()).Create(Interpreted(model, Window(model, start: t0)));
        Assert.Null(Single(logical, ObservationIds.HeartRate).Subject.Reference);
        foreach (var o in first.Concat(later).Concat(other).Concat(logical))
            Assert.Equal(FhirNdjson.SerializeWithFirely(o.Resource), FhirNdjson.Serialize(o.Resource));
    }

    [Fact]
    public void A_ward_as_large_as_the_pipeline_holds_keeps_every_patient_s_subject_and_monitor_reference()
    {
        // Sized by the patients held at once (Windowing:MaxPatients): with more patients than a fixed cache holds, every
        // window would rebuild and freeze them again.
        var model = Model();
        const int patients = 5000;
        var f = new ObservationFactory(new PublishingOptions(), model, heldPatients: patients);
        var t0 = new DateTimeOffset(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);
        Observation HeartRate(int p, int k) =>
            Single(f.Create(Interpreted(model, Window(model, patient: $"patient-{p:D5}", start: t0.AddSeconds(5 * k)))), ObservationIds.HeartRate);
        var first = Enumerable.Range(0, patients).Select(p => HeartRate(p, 0)).ToArray();
        for (int p = 0; p < patients; p++)
        {
            var again = HeartRate(p, 1);
            Assert.Same(first[p].Subject, again.Subject);
            Assert.Same(first[p].Device, again.Device);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => new ObservationFactory(new PublishingOptions(), model, heldPatients: -1));
    }

    [Fact]
    public void Probabilities_of_one_value_share_a_quantity_but_not_across_scales()
    {
        // The ratio quantities are kept by value: the same probability in two windows is one frozen Quantity; 0.5 and
        // 0.5000 are equal decimals written differently, so they must not share one.
        var model = Model();
        var f = Factory(model);
        Observation.ComponentComponent First(float p)
        {
            var probabilities = Probabilities(model);
            probabilities[0] = p;
            return Single(f.Create(Interpreted(model, probabilities: probabilities)), ObservationIds.Findings).Component[0];
        }
        var half = First(0.5f);
        var again = First(0.5f);
        var fourDecimals = First(0.50001f);
        Assert.Same(half.Value, again.Value);
        Assert.NotSame(half.Value, fourDecimals.Value);
        Assert.Equal("0.5", ((Quantity)half.Value).Value!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("0.5000", ((Quantity)fourDecimals.Value).Value!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var p in new[] { 0.5f, 0.50001f, 0f, -0f, 1f })
        {
            var probabilities = Probabilities(model);
            probabilities[0] = p;
            foreach (var o in f.Create(Interpreted(model, probabilities: probabilities)))
                Assert.Equal(FhirNdjson.SerializeWithFirely(o.Resource), FhirNdjson.Serialize(o.Resource));
        }
    }

    [Fact]
    public void Literal_mode_references_Patient_by_id_and_falls_back_for_invalid_ids()
    {
        var model = Model();
        var f = Factory(model, new PublishingOptions { PatientReference = PatientReferenceMode.Literal });
        var ok = f.Create(Interpreted(model))[0].Resource;
        Assert.Equal("Patient/patient-0042", ok.Subject.Reference);
        Assert.Equal("patient-0042", ok.Subject.Identifier.Value);

        var odd = f.Create(Interpreted(model, Window(model, patient: "MRN 0042/x")))[0].Resource;
        Assert.Null(odd.Subject.Reference);
        Assert.Equal("MRN 0042/x", odd.Subject.Identifier.Value);
        AssertValid(odd);
    }

    [Fact]
    public void Non_finite_probabilities_and_measurements_become_data_absent_not_invalid_decimals()
    {
        var model = Model();
        var p = Probabilities(model);
        p[0] = float.NaN;
        p[1] = float.PositiveInfinity;
        p[2] = 1.0000001f;
        var w = Interpreted(model, measurement: Measured(rr: double.PositiveInfinity, sqi: double.NaN), probabilities: p);
        var list = Factory(model).Create(w);
        var ecg = Single(list, "ecg");
        Assert.Equal("not-a-number", ecg.Component[0].DataAbsentReason.Coding.Single().Code);
        Assert.Null(ecg.Component[0].Value);
        Assert.Equal("not-a-number", ecg.Component[1].DataAbsentReason.Coding.Single().Code);
        Assert.Equal(1m, ((Quantity)ecg.Component[2].Value).Value);
        Assert.Null(ecg.Component.Single(c => c.Code.Coding.Single().Code == ObservationFactory.ProjectCodes.RrIrregularity).Value);
        Assert.Null(ecg.Component.Single(c => c.Code.Coding.Single().Code == ObservationFactory.ProjectCodes.SignalQuality).Value);
        foreach (var o in list)
        {
            AssertValid(o.Resource);
            Assert.Equal(FhirNdjson.Serialize(o.Resource), FhirNdjson.Serialize(FhirNdjson.Parse<Observation>(FhirNdjson.Serialize(o.Resource))));
        }
    }

    [Theory]
    [InlineData("x\u0001y", "monitor-7")]
    [InlineData("patient-1", "dev\u0000")]
    [InlineData("", "monitor-7")]
    public void Ids_a_fhir_string_cannot_hold_are_refused(string patient, string device)
    {
        var model = Model();
        var g = Geometry(model);
        var w = new CGDmer.Pipeline.Windowing.EcgWindow(patient, device, 0, T0, g, new float[g.LeadCount * g.WindowSamples], Enumerable.Repeat(1f, 12).ToArray(),
                                        g.LeadOrder.ToArray(), [], 1, WindowStatus.Analyzable, 0);
        var ex = Assert.Throws<ArgumentException>(() => Factory(model).Create(Interpreted(model, w)));
        Assert.DoesNotContain(patient.Length > 0 ? patient : "\u0001", ex.Message); // no patient data in messages
    }

    [Fact]
    public void Absurd_heart_rate_is_not_published_rather_than_overflowing()
    {
        var model = Model();
        var list = Factory(model).Create(Interpreted(model, measurement: Measured(hr: 1e300, rr: 1e300)));
        Assert.Equal([ObservationIds.Findings], list.Select(o => o.Kind));
    }

    [Fact]
    public void The_validity_check_rejects_what_fhir_forbids()
    {
        // Guards the checker itself: without it, "no errors" could mean "nothing was checked".
        Assert.NotEmpty(PocoErrors(new Observation()));                                        // status and code are 1..1
        var model = Model();
        var hr = Factory(model).Create(Interpreted(model))[0].Resource;
        hr.DataAbsentReason = new CodeableConcept("http://terminology.hl7.org/CodeSystem/data-absent-reason", "error");
        Assert.Contains(PocoErrors(hr), e => e.StartsWith("obs-6"));
        var own = Factory(model).Create(Interpreted(model))[0].Resource;
        own.Component.Add(new Observation.ComponentComponent { Code = new CodeableConcept { Coding = [(Coding)own.Code.Coding[0].DeepCopy()] }, Value = new Quantity(1, "/min") });
        Assert.Contains(PocoErrors(own), e => e.StartsWith("obs-7"));
        var bad = Factory(model).Create(Interpreted(model))[0].Resource;
        bad.Id = "not a valid id!";
        Assert.NotEmpty(PocoErrors(bad));
    }

    [Fact]
    public void Emitted_observations_have_the_required_elements()
    {
        var model = Model();
        foreach (var o in Factory(model).Create(Interpreted(model)).Select(x => x.Resource))
        {
            Assert.NotNull(o.Id);
            Assert.NotNull(o.Status);
            Assert.NotEmpty(o.Code.Coding);
            Assert.NotNull(o.Subject);
            Assert.NotNull(o.Device);
            Assert.NotNull(o.Effective);
            // obs-6: dataAbsentReason only without value; obs-7: no component with the Observation's own code.
            Assert.True(o.Value is null || o.DataAbsentReason is null);
            Assert.DoesNotContain(o.Component, c => c.Code.Coding.Any(cc => o.Code.Coding.Any(oc => oc.System == cc.System && oc.Code == cc.Code)));
            Assert.All(o.Component, c => Assert.True((c.Value is null) != (c.DataAbsentReason is null)));
        }
    }
}
