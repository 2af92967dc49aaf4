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

    /// <summary>The receiver clock when the validate stage took the input (set there; default outside a pipeline): the sequence stage's time base.</summary>
    public DateTimeOffset ReceivedAt { get; internal set; }

    public static ValidationResult Accept(EcgSegment input, EcgSegmentData segment) =>
        new(input, segment ?? throw new ArgumentNullException(nameof(segment)), null);

    public static ValidationResult Reject(EcgSegment? input, SegmentRejection rejection) =>
        new(input, null, rejection ?? throw new ArgumentNullException(nameof(rejection)));

    /// <summary>
    /// A notice: a dead letter that rejects nothing (no input, ordinal 0, so it settles no input), e.g. that a device's
    /// stream starts a new epoch (<see cref="RejectionReason.SequenceRestart"/>, <see cref="RejectionReason.ClockJump"/>).
    /// Why a dead letter: every transport already delivers those to where rejected input is looked at.
    /// </summary>
    public static ValidationResult Notice(SegmentRejection notice) =>
        new(null, null, notice ?? throw new ArgumentNullException(nameof(notice))) { IsNotice = true };

    /// <summary>True for a <see cref="Notice"/>.</summary>
    public bool IsNotice { get; private init; }

    public override string ToString() => IsAccepted ? $"Accepted({Segment!.DeviceId}#{Segment.Sequence})" : IsNotice ? $"Notice({Rejection})" : $"Rejected({Rejection})";
}
