using System.Reactive.Linq;
using CGDmer.Contracts.Telemetry.V1;
using CGDmer.Pipeline.Validation;

namespace CGDmer.Pipeline.Validation;

/// <summary>Rx stage 1: validation. A bad segment (or a failing validator) becomes a rejection, never an OnError.</summary>
public static class ValidateOperator
{
    /// <summary>
    /// Maps each segment to its <see cref="ValidationResult"/>, stamping it with <paramref name="clock"/> as the receive
    /// time (<see cref="ValidationResult.ReceivedAt"/>) and numbering it (<see cref="ValidationResult.InputOrdinal"/>: 1, 2, 3, … per subscription). If the validator or the clock throws, the result is a rejection with <see cref="RejectionReason.InternalError"/>
    /// and the stream goes on. Errors of <paramref name="source"/> itself are passed through.
    /// </summary>
    public static IObservable<ValidationResult> Validate(this IObservable<EcgSegment> source, SegmentValidator validator, Func<DateTimeOffset> clock)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(validator);
        ArgumentNullException.ThrowIfNull(clock);
        // A long counter per subscription (Select's int index would wrap after 2^31 segments: weeks of a busy ward).
        return Observable.Defer(() =>
        {
            long ordinal = 0;
            return source.Select(segment =>
            {
                var result = Check(segment, validator, clock);
                result.InputOrdinal = ++ordinal;
                if (result.Segment is { } accepted) accepted.InputOrdinal = ordinal;
                return result;
            });
        });
    }

    private static ValidationResult Check(EcgSegment segment, SegmentValidator validator, Func<DateTimeOffset> clock)
    {
        try
        {
            var now = clock();
            var result = validator.Validate(segment, now) ?? InternalError(segment, "validator returned null");
            result.ReceivedAt = now;
            return result;
        }
        catch (Exception ex)
        {
            // The exception message may echo input (patient ids); only the type goes into the rejection.
            return InternalError(segment, $"validator threw {ex.GetType().Name}");
        }
    }

    /// <summary>The accepted segments of a result stream.</summary>
    public static IObservable<EcgSegmentData> Accepted(this IObservable<ValidationResult> results) =>
        results.Where(r => r.IsAccepted).Select(r => r.Segment!);

    /// <summary>The rejections of a result stream.</summary>
    public static IObservable<SegmentRejection> Rejected(this IObservable<ValidationResult> results) =>
        results.Where(r => !r.IsAccepted).Select(r => r.Rejection!);

    private static ValidationResult InternalError(EcgSegment? segment, string message)
    {
        string device = "";
        ulong seq = 0;
        try { device = segment?.DeviceId ?? ""; seq = segment?.Sequence ?? 0; } catch { /* keep defaults */ }
        if (device.Length > 64) device = "";
        return ValidationResult.Reject(segment, new SegmentRejection(RejectionReason.InternalError, message, device, seq));
    }
}
