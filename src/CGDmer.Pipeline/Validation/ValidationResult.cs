using CGDmer.Contracts.Telemetry.V1;

namespace CGDmer.Pipeline.Validation;

/// <summary>Outcome of validating one segment: exactly one of <see cref="Segment"/> / <see cref="Rejection"/> is set.</summary>
public sealed class ValidationResult
{
    private ValidationResult(EcgSegment? input, EcgSegmentData? segment, SegmentRejection? rejection)
    {
        Input = input;
        Segment = segment;
        Rejection = rejection;
    }

    /// <summary>The wire message that was validated (for the dead-letter topic); may be null for a null input.</summary>
    public EcgSegment? Input { get; }
    public EcgSegmentData? Segment { get; }
    public SegmentRejection? Rejection { get; }
    public bool IsAccepted => Segment is not null;

    /// <summary>
    /// 1-based position of the input in its pipeline subscription (set by the validate stage; 0 outside a pipeline): how a
    /// host relates outputs back to the messages it read (see <see cref="Settlement.InputSettlement"/>).
    /// </summary>
    public long InputOrdinal { get; internal set; }

    public static ValidationResult Accept(EcgSegment input, EcgSegmentData segment) =>
        new(input, segment ?? throw new ArgumentNullException(nameof(segment)), null);

    public static ValidationResult Reject(EcgSegment? input, SegmentRejection rejection) =>
        new(input, null, rejection ?? throw new ArgumentNullException(nameof(rejection)));

    public override string ToString() => IsAccepted ? $"Accepted({Segment!.DeviceId}#{Segment.Sequence})" : $"Rejected({Rejection})";
}
