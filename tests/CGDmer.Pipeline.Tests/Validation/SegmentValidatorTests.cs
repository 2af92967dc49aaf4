using CGDmer.Contracts.Telemetry.V1;
using FsCheck.Xunit;
using CGDmer.Pipeline.Validation;
using CGDmer.Signal;
using Google.Protobuf.WellKnownTypes;
using static CGDmer.TestSupport.SegmentBuilder;

namespace CGDmer.Pipeline.Tests;

public class SegmentValidatorTests
{
    private readonly SegmentValidator _validator = new();

    private EcgSegmentData Accept(EcgSegment s, DateTimeOffset? now = null)
    {
        var r = _validator.Validate(s, now ?? Now);
        Assert.True(r.IsAccepted, r.ToString());
        Assert.Null(r.Rejection);
        return r.Segment!;
    }

    private SegmentRejection Reject(EcgSegment s, RejectionReason reason, DateTimeOffset? now = null)
    {
        var r = _validator.Validate(s, now ?? Now);
        Assert.False(r.IsAccepted, "expected a rejection");
        Assert.Null(r.Segment);
        Assert.Equal(reason, r.Rejection!.Reason);
        Assert.DoesNotContain("patient-0042", r.Rejection.Message);
        Assert.Same(s, r.Input);
        return r.Rejection;
    }

    // ---- happy path ----

    [Fact]
    public void Example_segment_converts_to_millivolts()
    {
        var d = Accept(Valid());
        Assert.Equal("patient-0042", d.PatientId);
        Assert.Equal("monitor-icu3-bed07", d.DeviceId);
        Assert.Equal(1042ul, d.Sequence);
        Assert.Equal(500, d.SampleRateHz);
        Assert.Equal(10, d.SampleCount);
        Assert.Equal(TimeSpan.FromMilliseconds(20), d.Duration);
        Assert.Equal(2, d.Leads.Count);

        var ii = d.Leads[0];
        Assert.Equal(Lead.II, ii.Lead);
        Assert.Equal("MLII", ii.SourceName);
        Assert.False(ii.LeadOff);
        Assert.Empty(ii.LeadOffRanges);
        Assert.Equal(0f, ii.SamplesMv[0]);
        Assert.Equal(0.03f, ii.SamplesMv[1], 1e-6f);     // (1030 − 1024) / 200
        Assert.Equal(1.33f, ii.SamplesMv[4], 1e-6f);     // (1290 − 1024) / 200
        Assert.Equal(2.28f, ii.SamplesMv[5], 1e-6f);

        var v1 = d.Leads[1];
        Assert.Equal(Lead.V1, v1.Lead);
        Assert.Equal(-0.06f, v1.SamplesMv[0], 1e-6f);    // −12 / 0.2 µV = −60 µV
        Assert.Equal(-0.9f, v1.SamplesMv[4], 1e-6f);     // −180 / 0.2 µV = −900 µV
        Assert.Equal(-1.75f, v1.SamplesMv[5], 1e-6f);
        Assert.Equal([new SampleIndexRange(6, 10)], v1.LeadOffRanges);
        Assert.False(v1.IsMissing(5));
        Assert.True(v1.IsMissing(6));
        Assert.True(v1.IsMissing(9));
        Assert.True(d.TryGetLead(Lead.V1, out var same) && ReferenceEquals(same, v1));
    }

    [Fact]
    public void An_accepted_lead_read_in_pieces_gives_its_conversion_to_the_bit()
    {
        // The validator keeps the wire samples; the windower converts each piece it stores. Any piece must equal the
        // same samples of the whole conversion, which is (adc − baseline) · unit-to-mV / gain rounded once to float.
        var rng = new Random(17);
        foreach (var (gain, baseline, unit, unitToMv) in new[] { (200.0, 1024, "mV", 1.0), (0.2, -7, "uV", 1e-3), (1e3 / 3, 0, "mV", 1.0) })
        {
            double factor = unitToMv / gain;   // as the validator forms it
            var s = Valid();
            foreach (var l in s.Leads) { l.Gain = gain; l.Baseline = baseline; l.Unit = unit; l.LeadOffRanges.Clear(); }
            for (int i = 0; i < 10; i++) s.Leads[0].Samples[i] = baseline + rng.Next(-2000, 2000);
            var lead = Accept(s).Leads[0];
            var whole = lead.SamplesMv;
            for (int i = 0; i < whole.Length; i++)
                Assert.Equal(BitConverter.SingleToInt32Bits((float)((s.Leads[0].Samples[i] - (double)baseline) * factor)), BitConverter.SingleToInt32Bits(whole[i]));
            foreach (var (offset, length) in new[] { (0, 10), (0, 1), (3, 4), (9, 1), (10, 0) })
            {
                var piece = new float[length];
                Accept(s).Leads[0].CopyMillivolts(offset, piece);   // a lead not yet converted as a whole
                Assert.Equal(Bits(whole.AsSpan(offset, length).ToArray()), Bits(piece));
                lead.CopyMillivolts(offset, piece);                 // one that was
                Assert.Equal(Bits(whole.AsSpan(offset, length).ToArray()), Bits(piece));
            }
            Assert.Throws<ArgumentOutOfRangeException>(() => lead.CopyMillivolts(8, new float[3]));
            Assert.Throws<ArgumentOutOfRangeException>(() => lead.CopyMillivolts(-1, new float[1]));
        }

        static int[] Bits(float[] x) => Array.ConvertAll(x, BitConverter.SingleToInt32Bits);
    }

    [Fact]
    public void Start_time_keeps_sub_millisecond_precision()
    {
        var s = Valid();
        s.StartTime = new Timestamp { Seconds = Start.ToUnixTimeSeconds(), Nanos = 123_456_789 };
        var d = Accept(s);
        Assert.Equal(TimeSpan.Zero, d.StartTime.Offset);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(Start.ToUnixTimeSeconds()).UtcTicks + 1_234_567, d.StartTimeUtcTicks);
        Assert.Equal(89, d.StartTimeSubTickNanos);
        Assert.Equal(d.StartTime + TimeSpan.FromMilliseconds(2), d.SampleTime(1));
        Assert.Equal(d.StartTime + TimeSpan.FromMilliseconds(20), d.EndTime);
    }

    [Fact]
    public void Lead_off_flag_is_carried()
    {
        var d = Accept(With(s => s.Leads[1].LeadOff = true));
        Assert.True(d.Leads[1].LeadOff);
        Assert.True(d.Leads[1].IsMissing(0));
    }

    // ---- unit conversion ----

    [Theory]
    [InlineData("V", 1000.0)]
    [InlineData("mV", 1.0)]
    [InlineData("uV", 0.001)]
    [InlineData("nV", 0.000001)]
    public void Unit_factor_to_millivolts(string unit, double expected)
    {
        Assert.True(MillivoltConversion.TryGetFactor(unit, out var f));
        Assert.Equal(expected, f, expected * 1e-12);
    }

    [Theory]
    [InlineData("V", 2.0)]       // 2 ADC / gain 1 V = 2 V = 2000 mV ... scaled below
    [InlineData("mV", 2.0)]
    [InlineData("uV", 2.0)]
    public void Samples_are_scaled_by_unit(string unit, double adc)
    {
        var s = OneLead(500, 3);
        s.Leads[0].Unit = unit;
        s.Leads[0].Gain = 4;
        s.Leads[0].Samples[1] = (int)adc * 4;
        double factor = unit switch { "V" => 1000, "mV" => 1, _ => 0.001 };
        var d = Accept(s);
        Assert.Equal((float)(adc * factor), d.Leads[0].SamplesMv[1], (float)(1e-6 * factor));
    }

    [Theory]
    [InlineData("")]
    [InlineData("mv")]       // case-sensitive
    [InlineData("MV")]       // megavolt in UCUM, not allowed
    [InlineData("mmHg")]
    [InlineData("kV")]       // a voltage, but not one of the contract's units
    [InlineData("µV")]
    [InlineData("not a unit")]
    public void Unknown_unit_is_rejected(string unit)
    {
        var r = Reject(With(s => s.Leads[1].Unit = unit), RejectionReason.UnknownUnit);
        Assert.Contains("leads[1]", r.Message);
    }

    [Theory]
    [InlineData("mmHg")]
    [InlineData("kg")]
    [InlineData("bogus!")]
    public void Non_voltage_units_have_no_factor(string unit) => Assert.False(MillivoltConversion.TryGetFactor(unit, out _));

    // ---- identity fields ----

    [Theory]
    [InlineData(0u)]
    [InlineData(2u)]
    public void Schema_version_must_be_1(uint v) =>
        Assert.Contains(v.ToString(), Reject(With(s => s.SchemaVersion = v), RejectionReason.UnsupportedSchemaVersion).Message);

    [Fact]
    public void Patient_id_rules()
    {
        Reject(With(s => s.PatientId = ""), RejectionReason.MissingPatientId);
        Reject(With(s => s.PatientId = new string('p', 65)), RejectionReason.BadPatientId);
        Reject(With(s => s.PatientId = " patient-0042"), RejectionReason.BadPatientId);
        Reject(With(s => s.PatientId = "patient-0042\t"), RejectionReason.BadPatientId);
        Reject(With(s => s.PatientId = "patient\u00010042"), RejectionReason.BadPatientId);
        Reject(With(s => s.PatientId = "patient\u007f"), RejectionReason.BadPatientId);
        // C1 controls (NEL, CSI …) and unpaired surrogates: accepted before, unprintable in FHIR, logs and UTF-8.
        Reject(With(s => s.PatientId = "patient\u00850042"), RejectionReason.BadPatientId);
        Reject(With(s => s.PatientId = "patient\u009b0042"), RejectionReason.BadPatientId);
        Reject(With(s => s.PatientId = "patient\ud8000042"), RejectionReason.BadPatientId);
        Reject(With(s => s.PatientId = "patient\udc00"), RejectionReason.BadPatientId);
        Accept(With(s => s.PatientId = "patient-Zoë-\ud83d\udc9a"));   // non-ASCII letters and a paired surrogate are fine
        Accept(With(s => s.PatientId = new string('p', 64)));
    }

    [Fact]
    public void Device_id_rules()
    {
        Reject(With(s => s.DeviceId = ""), RejectionReason.MissingDeviceId);
        Reject(With(s => s.DeviceId = new string('d', 65)), RejectionReason.BadDeviceId);
        Reject(With(s => s.DeviceId = "bed\n07"), RejectionReason.BadDeviceId);
        Reject(With(s => s.DeviceId = "bed\u008507"), RejectionReason.BadDeviceId);
        Reject(With(s => s.DeviceId = "bed\ud80007"), RejectionReason.BadDeviceId);
        var r = Reject(With(s => s.DeviceId = "bed07 "), RejectionReason.BadDeviceId);
        Assert.Equal("bed07 ", r.DeviceId);
        Accept(With(s => s.DeviceId = new string('d', 64)));
    }

    [Fact]
    public void Rejection_carries_device_and_sequence()
    {
        var r = Reject(With(s => s.SampleRateHz = 10), RejectionReason.BadSampleRate);
        Assert.Equal("monitor-icu3-bed07", r.DeviceId);
        Assert.Equal(1042ul, r.Sequence);
        Assert.Equal("BadSampleRate", r.Code);
        Assert.Contains("sample_rate_hz", r.Message);
        Assert.Contains("10", r.Message);
    }

    // ---- time ----

    [Fact]
    public void Start_time_must_be_present_and_valid()
    {
        Reject(With(s => s.StartTime = null), RejectionReason.MissingStartTime);
        Reject(With(s => s.StartTime = new Timestamp { Seconds = 1, Nanos = 1_000_000_000 }), RejectionReason.BadStartTime);
        Reject(With(s => s.StartTime = new Timestamp { Seconds = 1, Nanos = -1 }), RejectionReason.BadStartTime);
        Reject(With(s => s.StartTime = new Timestamp { Seconds = long.MaxValue }), RejectionReason.BadStartTime);
        Reject(With(s => s.StartTime = new Timestamp { Seconds = long.MinValue }), RejectionReason.BadStartTime);
    }

    [Fact]
    public void Time_skew_boundaries()
    {
        var s = Valid();
        Accept(s, Start - TimeSpan.FromMinutes(5));                          // exactly 5 min in the future
        Reject(s, RejectionReason.TimeInFuture, Start - TimeSpan.FromMinutes(5) - TimeSpan.FromTicks(1));
        Accept(s, Start + TimeSpan.FromHours(24));                           // exactly 24 h old
        var r = Reject(s, RejectionReason.TimeTooOld, Start + TimeSpan.FromHours(24) + TimeSpan.FromTicks(1));
        Assert.Contains("start_time", r.Message);
    }

    [Fact]
    public void Extreme_receiver_clocks_do_not_throw()
    {
        Reject(Valid(), RejectionReason.TimeTooOld, DateTimeOffset.MaxValue);
        Reject(Valid(), RejectionReason.TimeInFuture, DateTimeOffset.MinValue);
        var s = With(x => x.StartTime = Timestamp.FromDateTimeOffset(DateTimeOffset.MaxValue.AddSeconds(-1)));
        Accept(s, DateTimeOffset.MaxValue);
        Reject(s, RejectionReason.TimeInFuture, DateTimeOffset.MinValue);
    }

    [Fact]
    public void Receiver_clock_offset_does_not_matter()
    {
        var s = Valid();
        var local = (Start - TimeSpan.FromMinutes(5)).ToOffset(TimeSpan.FromHours(-7));
        Accept(s, local);
        Reject(s, RejectionReason.TimeInFuture, local - TimeSpan.FromSeconds(1));
    }

    // ---- sample rate and sizes ----

    [Theory]
    [InlineData(50.0)]
    [InlineData(2000.0)]
    [InlineData(360.0)]
    [InlineData(128.3)]
    public void Sample_rate_in_range_is_accepted(double rate) => Accept(OneLead(rate, 10));

    [Theory]
    [InlineData(49.9)]
    [InlineData(2000.1)]
    [InlineData(0.0)]
    [InlineData(-500.0)]
    public void Sample_rate_out_of_range_is_rejected(double rate) => Reject(OneLead(rate, 10), RejectionReason.BadSampleRate);

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void Non_finite_sample_rate_is_rejected(double rate) => Reject(OneLead(rate, 10), RejectionReason.NonFiniteValue);

    [Theory]
    [InlineData(500.0, 15000)]
    [InlineData(360.0, 10800)]
    [InlineData(50.0, 1500)]
    [InlineData(2000.0, 60000)]
    public void Exactly_30_seconds_is_accepted_one_more_sample_is_not(double rate, int max)
    {
        var d = Accept(OneLead(rate, max));
        Assert.Equal(TimeSpan.FromSeconds(30), d.Duration);
        Assert.Contains($"{max + 1} samples", Reject(OneLead(rate, max + 1), RejectionReason.TooManySamples).Message);
    }

    [Fact]
    public void Leads_count_rules()
    {
        Reject(With(s => s.Leads.Clear()), RejectionReason.NoLeads);
        var twelve = OneLead(500, 5);
        twelve.Leads.Clear();
        foreach (var lead in Leads.StandardOrder) twelve.Leads.Add(MakeLead(lead.ToString(), 5));
        Assert.Equal(12, Accept(twelve).Leads.Count);
        twelve.Leads.Add(MakeLead("MV1", 5));
        Reject(twelve, RejectionReason.TooManyLeads);
    }

    [Fact]
    public void Empty_lead_is_rejected() => Reject(With(s => s.Leads[0].Samples.Clear()), RejectionReason.EmptyLead);

    [Fact]
    public void Lead_lengths_must_match()
    {
        var r = Reject(With(s => s.Leads[1].Samples.Add(0)), RejectionReason.LeadLengthMismatch);
        Assert.Contains("11", r.Message);
    }

    // ---- lead names ----

    [Theory]
    [InlineData("MLII", Lead.II)]
    [InlineData("ml ii", Lead.II)]
    [InlineData("lead_aVF", Lead.aVF)]
    [InlineData("MV1", Lead.V1)]
    [InlineData("MLIII", Lead.III)]
    [InlineData("V6", Lead.V6)]
    public void Lead_names_map_to_standard_leads(string name, Lead expected)
    {
        var s = OneLead(500, 4);
        s.Leads[0].Lead = name;
        Assert.Equal(expected, Accept(s).Leads[0].Lead);
    }

    [Theory]
    [InlineData("")]
    [InlineData("V7")]
    [InlineData("Pleth")]
    [InlineData("II?")]
    [InlineData("MLV1")]        // no such lead: modified chest leads are MV1..MV6 (accepted as V1 before)
    [InlineData("II\n")]        // a control character is refused, not stripped (these were accepted as II, V1, II)
    [InlineData("\u0085V1")]
    [InlineData("I\tI")]
    public void Unknown_lead_is_rejected(string name)
    {
        var r = Reject(With(s => s.Leads[0].Lead = name), RejectionReason.UnknownLead);
        Assert.DoesNotContain(r.Message, c => char.IsControl(c)); // the message shows them as U+XXXX
    }

    [Fact]
    public void Duplicate_after_mapping_is_rejected()
    {
        var s = Valid();
        var ii = MakeLead("II", 10);
        s.Leads.Add(ii);
        var r = Reject(s, RejectionReason.DuplicateLead);
        Assert.Contains("leads[2]", r.Message);
        Assert.Contains("II", r.Message);
        Reject(With(x => x.Leads[1].Lead = "lead II"), RejectionReason.DuplicateLead);
        Reject(With(x => x.Leads[1].Lead = "ml-ii"), RejectionReason.DuplicateLead);
    }

    // ---- gain ----

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    public void Gain_must_be_positive(double gain) => Reject(With(s => s.Leads[0].Gain = gain), RejectionReason.BadGain);

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Gain_must_be_finite(double gain) => Reject(With(s => s.Leads[0].Gain = gain), RejectionReason.NonFiniteValue);

    [Fact]
    public void Tiny_gain_overflowing_float_is_rejected() =>
        Reject(With(s => { s.Leads[0].Gain = 1e-300; s.Leads[0].Unit = "V"; }), RejectionReason.NonFiniteValue);

    // ---- lead-off ranges ----

    [Theory]
    [InlineData(new uint[] { 0, 10 })]
    [InlineData(new uint[] { 0, 1, 1, 2, 9, 10 })]
    [InlineData(new uint[] { 3, 5, 7, 8 })]
    public void Valid_lead_off_ranges_are_accepted(uint[] bounds)
    {
        var d = Accept(With(s => SetRanges(s.Leads[0], bounds)));
        Assert.Equal(bounds.Length / 2, d.Leads[0].LeadOffRanges.Count);
    }

    [Theory]
    [InlineData(new uint[] { 5, 5 })]            // empty
    [InlineData(new uint[] { 6, 5 })]            // reversed
    [InlineData(new uint[] { 0, 11 })]           // past the sample count
    [InlineData(new uint[] { 10, 11 })]
    [InlineData(new uint[] { 0, 5, 4, 8 })]      // overlapping
    [InlineData(new uint[] { 6, 8, 1, 3 })]      // unsorted
    public void Bad_lead_off_ranges_are_rejected(uint[] bounds)
    {
        var r = Reject(With(s => SetRanges(s.Leads[0], bounds)), RejectionReason.BadLeadOffRange);
        Assert.Contains("lead_off_ranges", r.Message);
    }

    private static void SetRanges(LeadSamples lead, uint[] bounds)
    {
        lead.LeadOffRanges.Clear();
        for (int i = 0; i < bounds.Length; i += 2) lead.LeadOffRanges.Add(new SampleRange { Start = bounds[i], End = bounds[i + 1] });
    }

    // ---- misc ----

    [Fact]
    public void Null_segment_is_a_rejection() =>
        Assert.Equal(RejectionReason.NullSegment, _validator.Validate(null!, Now).Rejection!.Reason);

    [Fact]
    public void Extreme_adc_values_convert()
    {
        var s = OneLead(500, 2);
        s.Leads[0].Samples[0] = int.MinValue;
        s.Leads[0].Samples[1] = int.MaxValue;
        s.Leads[0].Baseline = int.MaxValue;
        s.Leads[0].Gain = 10_000;   // 2^32 ADC units at 10,000 per mV: 429,497 mV, within the ±1 kV a sample may have
        var d = Accept(s);
        Assert.Equal(-(double)uint.MaxValue / 10_000, d.Leads[0].SamplesMv[0], 0.1);
        Assert.Equal(0f, d.Leads[0].SamplesMv[1]);
    }

    [Theory]
    [InlineData(1.0, "mV", 1_000_001, RejectionReason.SampleOutOfRange)]
    [InlineData(1.0, "mV", -1_000_001, RejectionReason.SampleOutOfRange)]
    [InlineData(1.0, "mV", int.MaxValue, RejectionReason.SampleOutOfRange)]
    [InlineData(0.001, "V", 2, RejectionReason.SampleOutOfRange)]
    // Found by the fuzz suite (seed 41831): a gain of 1.28e-42 per nV turns 318 ADC units into 2.5e38 mV, a finite float,
    // and the window stage's filters turned the whole lead into infinities. Accepted before.
    [InlineData(1.2765059055394226E-42, "nV", 318, RejectionReason.SampleOutOfRange)]
    [InlineData(1e-300, "V", 1, RejectionReason.NonFiniteValue)]
    public void A_sample_beyond_a_kilovolt_is_rejected(double gain, string unit, int sample, RejectionReason reason)
    {
        var s = OneLead(500, 3);
        s.Leads[0].Gain = gain;
        s.Leads[0].Unit = unit;
        s.Leads[0].Samples[1] = sample;
        var r = Reject(s, reason);
        Assert.Contains("leads[0] (II)", r.Message);
    }

    [Fact]
    public void A_non_finite_sample_is_named_before_an_earlier_out_of_range_one()
    {
        var s = OneLead(500, 12);
        s.Leads[0].Gain = 1e-34;        // 1e34 mV per ADC unit: 1 is out of range, 100,000 overflows the float
        s.Leads[0].Samples[1] = 1;
        s.Leads[0].Samples[9] = 100_000;
        Reject(s, RejectionReason.NonFiniteValue);
    }

    private static readonly double[] PropertyGains = [1, 200, 1e-3, 1e-34, 1.2765059055394226E-42, 10_000, 1e-300, 3e-40];
    private static readonly string[] PropertyUnits = ["mV", "uV", "V", "nV"];
    private static readonly int[] PropertyScales = [1, 1000, 1_000_003, 20_000_011];

    /// <summary>
    /// The validator checks only the extremes' conversions. Its verdict, reason and values must be those of converting
    /// every sample: a non-finite one rejects as such before an out-of-range one, any out-of-range one rejects.
    /// </summary>
    [Property(MaxTest = 3000)]
    public bool The_range_check_decides_as_converting_every_sample(int[] samples, int baseline, byte gainIndex, byte unitIndex, byte scaleIndex, bool extremes)
    {
        if (samples is null || samples.Length == 0) return true;
        int scale = PropertyScales[scaleIndex % PropertyScales.Length];
        var adc = samples.Select(x => unchecked(x * scale)).ToArray();
        if (extremes) { adc[0] = int.MinValue; adc[^1] = int.MaxValue; }
        double gain = PropertyGains[gainIndex % PropertyGains.Length];
        string unit = PropertyUnits[unitIndex % PropertyUnits.Length];
        var s = OneLead(500, adc.Length);
        s.Leads[0].Samples.Clear();
        s.Leads[0].Samples.Add(adc);
        s.Leads[0].Baseline = baseline;
        s.Leads[0].Gain = gain;
        s.Leads[0].Unit = unit;

        var r = _validator.Validate(s, Now);
        Assert.True(MillivoltConversion.TryGetFactor(unit, out double unitToMv));
        double factor = unitToMv / gain;
        if (!double.IsFinite(factor)) return !r.IsAccepted && r.Rejection!.Reason == RejectionReason.NonFiniteValue;
        // Every sample, one at a time.
        var expected = new float[adc.Length];
        bool nonFinite = false, outOfRange = false;
        for (int i = 0; i < adc.Length; i++)
        {
            expected[i] = (float)((adc[i] - (double)baseline) * factor);
            nonFinite |= !float.IsFinite(expected[i]);
            outOfRange |= !(Math.Abs(expected[i]) <= (float)SegmentValidator.MaxAbsSampleMillivolts);
        }
        if (nonFinite) return !r.IsAccepted && r.Rejection!.Reason == RejectionReason.NonFiniteValue;
        if (outOfRange) return !r.IsAccepted && r.Rejection!.Reason == RejectionReason.SampleOutOfRange;
        if (!r.IsAccepted) return false;
        var actual = r.Segment!.Leads[0].SamplesMv;
        for (int i = 0; i < adc.Length; i++)
            if (BitConverter.SingleToInt32Bits(actual[i]) != BitConverter.SingleToInt32Bits(expected[i])) return false;
        return true;
    }

    [Fact]
    public void A_sample_of_exactly_a_kilovolt_is_accepted()
    {
        var s = OneLead(500, 2);
        s.Leads[0].Samples[0] = 1_000_000;
        s.Leads[0].Samples[1] = -1_000_000;
        var d = Accept(s);
        Assert.Equal([1e6f, -1e6f], d.Leads[0].SamplesMv);
    }

    [Fact]
    public void Rejection_codes_are_stable()
    {
        Assert.Equal(0, (int)RejectionReason.InternalError);
        Assert.Equal(15, (int)RejectionReason.DuplicateLead);
        Assert.Equal(22, (int)RejectionReason.NonFiniteValue);
        Assert.Equal(27, (int)RejectionReason.SampleOutOfRange);
    }
}
