using System.Globalization;
using Google.Protobuf;
using CGDmer.Contracts.Telemetry.V1;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal;

namespace CGDmer.Pipeline.Validation;

/// <summary>
/// Checks an <see cref="EcgSegment"/> against every stateless rule of schemas/ecg-segment.md and converts it to
/// <see cref="EcgSegmentData"/> (samples in mV). Pure and thread-safe; bad input yields a rejection, never an exception.
/// The per-device sequence rule needs state and lives in <see cref="SequenceTracker"/>.
/// </summary>
public class SegmentValidator
{
    private const long TicksPerSecond = TimeSpan.TicksPerSecond;
    private static readonly long MinUnixSeconds = (DateTimeOffset.MinValue.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TicksPerSecond;
    private static readonly long MaxUnixSeconds = (DateTimeOffset.MaxValue.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TicksPerSecond - 1;

    /// <summary>
    /// Largest magnitude of a sample in mV (1 kV): far beyond any electrode potential, and far below where the float
    /// arithmetic of the later stages (filters, sums of squares and fourth powers over a window) overflows.
    /// </summary>
    public const double MaxAbsSampleMillivolts = 1e6;

    private readonly HashSet<string> _allowedUnits;

    public SegmentValidator() : this(new SegmentValidationOptions()) { }

    public SegmentValidator(SegmentValidationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options.Validate();
        _allowedUnits = new HashSet<string>(options.AllowedUnits, StringComparer.Ordinal);
    }

    /// <summary>
    /// A validator for the pipeline of the model with <paramref name="geometry"/>: its rate range is checked at start-up
    /// against what the window stage can resample (<see cref="SegmentValidationOptions.Validate(WindowGeometry)"/>), so an
    /// accepted segment is never dropped later for its rate.
    /// </summary>
    public SegmentValidator(SegmentValidationOptions options, WindowGeometry geometry) : this(options)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        options.Validate(geometry);
    }

    public SegmentValidationOptions Options { get; }

    /// <summary>Validates <paramref name="segment"/> as received at <paramref name="receivedAt"/> (receiver clock).</summary>
    public virtual ValidationResult Validate(EcgSegment segment, DateTimeOffset receivedAt)
    {
        if (segment is null) return ValidationResult.Reject(null, new SegmentRejection(RejectionReason.NullSegment, "segment is null"));
        string device = segment.DeviceId ?? "";
        ulong seq = segment.Sequence;
        ValidationResult Fail(RejectionReason reason, string message) =>
            ValidationResult.Reject(segment, new SegmentRejection(reason, message, device.Length <= Options.MaxIdLength ? device : "", seq));

        var o = Options;
        if (segment.SchemaVersion != o.SchemaVersion)
            return Fail(RejectionReason.UnsupportedSchemaVersion, $"schema_version is {segment.SchemaVersion}, expected {o.SchemaVersion}");

        // patient_id: never echo the value (it is a patient identifier).
        string patient = segment.PatientId ?? "";
        if (patient.Length == 0) return Fail(RejectionReason.MissingPatientId, "patient_id is empty");
        if (patient.Length > o.MaxIdLength)
            return Fail(RejectionReason.BadPatientId, $"patient_id is {patient.Length} characters, more than {o.MaxIdLength}");
        if (char.IsWhiteSpace(patient[0]) || char.IsWhiteSpace(patient[^1]))
            return Fail(RejectionReason.BadPatientId, "patient_id has leading or trailing whitespace");
        // Control characters (C0, DEL, C1) and lone surrogates cannot be carried by a FHIR string (the Observation subject)
        // nor safely by logs, keys or UTF-8.
        if (HasForbiddenCharacter(patient))
            return Fail(RejectionReason.BadPatientId, "patient_id contains a control character or an unpaired surrogate");

        if (device.Length == 0) return Fail(RejectionReason.MissingDeviceId, "device_id is empty");
        if (device.Length > o.MaxIdLength)
            return Fail(RejectionReason.BadDeviceId, $"device_id is {device.Length} characters, more than {o.MaxIdLength}");
        if (char.IsWhiteSpace(device[0]) || char.IsWhiteSpace(device[^1]))
            return Fail(RejectionReason.BadDeviceId, $"device_id '{device}' has leading or trailing whitespace");
        if (HasForbiddenCharacter(device))
            return Fail(RejectionReason.BadDeviceId, "device_id contains a control character or an unpaired surrogate");

        // start_time
        var ts = segment.StartTime;
        if (ts is null) return Fail(RejectionReason.MissingStartTime, "start_time is missing");
        if (ts.Nanos < 0 || ts.Nanos > 999_999_999 || ts.Seconds < MinUnixSeconds || ts.Seconds > MaxUnixSeconds)
            return Fail(RejectionReason.BadStartTime, $"start_time is not a valid timestamp (seconds={ts.Seconds}, nanos={ts.Nanos})");
        var start = new DateTimeOffset(DateTimeOffset.UnixEpoch.UtcTicks + ts.Seconds * TicksPerSecond + ts.Nanos / 100, TimeSpan.Zero);
        int subTickNanos = ts.Nanos % 100;
        var now = receivedAt.ToUniversalTime();
        // Compare differences (never overflow for two valid DateTimeOffsets) rather than now ± limit (which can).
        var ahead = start - now;
        if (ahead > o.MaxFutureSkew)
            return Fail(RejectionReason.TimeInFuture,
                $"start_time {Iso(start)} is {Fmt(ahead.TotalSeconds)} s after the receiver clock {Iso(now)} (max {Fmt(o.MaxFutureSkew.TotalSeconds)} s)");
        var behind = now - start;
        if (behind > o.MaxPastAge)
            return Fail(RejectionReason.TimeTooOld,
                $"start_time {Iso(start)} is {Fmt(behind.TotalSeconds)} s before the receiver clock {Iso(now)} (max {Fmt(o.MaxPastAge.TotalSeconds)} s)");

        double rate = segment.SampleRateHz;
        if (!double.IsFinite(rate)) return Fail(RejectionReason.NonFiniteValue, $"sample_rate_hz is {Fmt(rate)}");
        if (rate < o.MinSampleRateHz || rate > o.MaxSampleRateHz)
            return Fail(RejectionReason.BadSampleRate, $"sample_rate_hz is {Fmt(rate)}, outside [{Fmt(o.MinSampleRateHz)}, {Fmt(o.MaxSampleRateHz)}]");

        var leads = segment.Leads;
        if (leads.Count == 0) return Fail(RejectionReason.NoLeads, "leads is empty");
        if (leads.Count > o.MaxLeads) return Fail(RejectionReason.TooManyLeads, $"leads has {leads.Count} entries, more than {o.MaxLeads}");

        // Largest count allowed: 30 s of samples. The small epsilon keeps 30 × 360 = 10800 from rounding below itself.
        double maxSamplesD = Math.Floor(o.MaxSegmentSeconds * rate + 1e-6);
        int maxSamples = maxSamplesD >= int.MaxValue ? int.MaxValue : (int)maxSamplesD;

        // First pass: every rule (no allocation of sample arrays until the whole segment is known good).
        int count = -1;
        Span<double> factors = stackalloc double[leads.Count];
        Span<Lead> mapped = stackalloc Lead[leads.Count];
        int seen = 0; // bit set of standard leads
        for (int li = 0; li < leads.Count; li++)
        {
            var l = leads[li];
            string name = l.Lead ?? "";
            if (!Leads.TryParse(name, out var lead))
                return Fail(RejectionReason.UnknownLead, $"leads[{li}].lead '{Clip(name)}' is not a known ECG lead");
            if ((seen & (1 << (int)lead)) != 0)
                return Fail(RejectionReason.DuplicateLead, $"leads[{li}].lead '{Clip(name)}' maps to {lead}, which an earlier lead already provides");
            seen |= 1 << (int)lead;
            mapped[li] = lead;

            int n = l.Samples.Count;
            if (n == 0) return Fail(RejectionReason.EmptyLead, $"leads[{li}] ({lead}) has no samples");
            if (n > maxSamples)
                return Fail(RejectionReason.TooManySamples,
                    $"leads[{li}] ({lead}) has {n} samples, more than {maxSamples} ({Fmt(o.MaxSegmentSeconds)} s at {Fmt(rate)} Hz)");
            if (count < 0) count = n;
            else if (n != count)
                return Fail(RejectionReason.LeadLengthMismatch, $"leads[{li}] ({lead}) has {n} samples but leads[0] has {count}");

            double gain = l.Gain;
            if (!double.IsFinite(gain)) return Fail(RejectionReason.NonFiniteValue, $"leads[{li}] ({lead}).gain is {Fmt(gain)}");
            if (gain <= 0) return Fail(RejectionReason.BadGain, $"leads[{li}] ({lead}).gain is {Fmt(gain)}, must be > 0");

            string unit = l.Unit ?? "";
            if (!_allowedUnits.Contains(unit) || !MillivoltConversion.TryGetFactor(unit, out double unitToMv))
                return Fail(RejectionReason.UnknownUnit,
                    $"leads[{li}] ({lead}).unit '{Clip(unit)}' is not one of {string.Join(", ", o.AllowedUnits)} (UCUM, case-sensitive)");
            double factor = unitToMv / gain;
            if (!double.IsFinite(factor))
                return Fail(RejectionReason.NonFiniteValue, $"leads[{li}] ({lead}): gain {Fmt(gain)} gives a non-finite scale to mV");
            factors[li] = factor;

            var ranges = l.LeadOffRanges;
            uint prevEnd = 0;
            for (int ri = 0; ri < ranges.Count; ri++)
            {
                var r = ranges[ri];
                if (r is null || r.Start >= r.End || r.End > (uint)n)
                    return Fail(RejectionReason.BadLeadOffRange,
                        $"leads[{li}] ({lead}).lead_off_ranges[{ri}] [{r?.Start}, {r?.End}) is not within 0 ≤ start < end ≤ {n}");
                if (r.Start < prevEnd)
                    return Fail(RejectionReason.BadLeadOffRange,
                        $"leads[{li}] ({lead}).lead_off_ranges[{ri}] [{r.Start}, {r.End}) is unsorted or overlaps the previous range (which ends at {prevEnd})");
                prevEnd = r.End;
            }
        }

        // Second pass: the values. The conversion is monotone in the ADC value (integer baseline, factor ≥ 0, one
        // rounding at a time), so the extremes' conversions bound every sample's, and a non-finite one (float overflow)
        // is among them: the same verdict and reason as converting every sample, without a sample array. The lead keeps
        // its wire samples and is converted where the windower reads it.
        var data = new EcgLeadData[leads.Count];
        float limit = (float)MaxAbsSampleMillivolts;
        for (int li = 0; li < leads.Count; li++)
        {
            var l = leads[li];
            var (min, max) = AdcConversion.Range(UnsafeCollectionOperations.AsSpan(l.Samples));
            float low = AdcConversion.Convert(min, l.Baseline, factors[li]), high = AdcConversion.Convert(max, l.Baseline, factors[li]);
            // A non-finite value names that reason before an out-of-range one.
            if (!float.IsFinite(low) || !float.IsFinite(high))
                return Fail(RejectionReason.NonFiniteValue, $"leads[{li}] ({mapped[li]}): a sample converts to a non-finite mV value (gain {Fmt(l.Gain)} {l.Unit})");
            if (!(Math.Abs(low) <= limit && Math.Abs(high) <= limit))
                return Fail(RejectionReason.SampleOutOfRange,
                    $"leads[{li}] ({mapped[li]}): a sample converts to more than {Fmt(MaxAbsSampleMillivolts)} mV in magnitude (gain {Fmt(l.Gain)} {l.Unit})");

            SampleIndexRange[] offRanges = l.LeadOffRanges.Count == 0 ? [] : new SampleIndexRange[l.LeadOffRanges.Count];
            for (int ri = 0; ri < offRanges.Length; ri++)
                offRanges[ri] = new SampleIndexRange((int)l.LeadOffRanges[ri].Start, (int)l.LeadOffRanges[ri].End);
            data[li] = new EcgLeadData(mapped[li], l.Lead!, l.Samples, l.Baseline, factors[li], l.LeadOff, offRanges);
        }

        return ValidationResult.Accept(segment,
            new EcgSegmentData(patient, device, seq, start, subTickNanos, rate, count, data));
    }

    private static string Fmt(double v) => v.ToString("R", CultureInfo.InvariantCulture);
    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
    /// <summary>Whether <paramref name="s"/> holds a C0 or C1 control character, DEL, or a surrogate without its pair.</summary>
    internal static bool HasForbiddenCharacter(string s)
    {
        var span = s.AsSpan();
        if (span.IndexOfAnyInRange('\u0000', '\u001f') >= 0 || span.IndexOfAnyInRange('\u007f', '\u009f') >= 0) return true;
        for (int i = 0; i < span.Length; i++)
        {
            if (!char.IsSurrogate(span[i])) continue;
            if (char.IsHighSurrogate(span[i]) && i + 1 < span.Length && char.IsLowSurrogate(span[i + 1])) { i++; continue; }
            return true;
        }
        return false;
    }

    /// <summary>At most 32 characters of a value for a message, control characters and lone surrogates shown as U+XXXX.</summary>
    private static string Clip(string s)
    {
        var head = s.Length <= 32 ? s : s[..32];
        if (HasForbiddenCharacter(head))
            head = string.Concat(head.Select(c => c < 0x20 || c is >= '\u007f' and <= '\u009f' || char.IsSurrogate(c) ? $"U+{(int)c:X4}" : c.ToString()));
        return s.Length <= 32 ? head : head + "…";
    }
}
