namespace CGDmer.Pipeline.Validation;

/// <summary>
/// Why a segment was rejected. Stable, machine-readable codes (dead-letter headers, metrics labels):
/// never renumber or rename a member; only append.
/// </summary>
public enum RejectionReason
{
    /// <summary>The validator itself failed (a bug, not bad input); see <c>ValidateOperator</c>.</summary>
    InternalError = 0,
    /// <summary>The segment object was null (should not happen after deserialization).</summary>
    NullSegment = 1,
    UnsupportedSchemaVersion = 2,
    MissingPatientId = 3,
    BadPatientId = 4,
    MissingDeviceId = 5,
    BadDeviceId = 6,
    MissingStartTime = 7,
    BadStartTime = 8,
    TimeInFuture = 9,
    TimeTooOld = 10,
    BadSampleRate = 11,
    NoLeads = 12,
    TooManyLeads = 13,
    UnknownLead = 14,
    DuplicateLead = 15,
    EmptyLead = 16,
    TooManySamples = 17,
    LeadLengthMismatch = 18,
    BadGain = 19,
    UnknownUnit = 20,
    BadLeadOffRange = 21,
    NonFiniteValue = 22,
    /// <summary>
    /// Numbered more than the reorder bound below the device's highest accepted sequence, on data that is not old (set by
    /// the sequence stage, <see cref="SequenceTracker"/>): a restart, a reset counter or a corrupted number. A few
    /// consecutive ones continuing one numbering start a new epoch (<see cref="SequenceRestart"/>).
    /// </summary>
    SequenceBehind = 23,
    /// <summary>
    /// Starts further ahead of the patient's own clock than <see cref="SequenceOptions.MaxClockLead"/> (though within the
    /// receiver's skew allowance); a few consecutive ones continuing one another are the device's new clock (<see cref="ClockJump"/>).
    /// </summary>
    ClockAhead = 24,
    /// <summary>
    /// Not a rejection: the code of a notice, a dead letter without a segment, that the device's numbering starts a new
    /// epoch at the sequence named (a restart, a wrap or after a pause); that segment was accepted.
    /// </summary>
    SequenceRestart = 25,
    /// <summary>Not a rejection: the code of a notice that the pipeline follows the patient's clock (its device's), which moved ahead, from the segment named on.</summary>
    ClockJump = 26,
    /// <summary>
    /// A sample converts to a physical value beyond ±<see cref="SegmentValidator.MaxAbsSampleMillivolts"/> (a gain near zero):
    /// finite as a float, but the window stage's filters would turn the lead into infinities and NaN for the model.
    /// </summary>
    SampleOutOfRange = 27,
}

/// <summary>
/// A rejected segment: the rule that failed (<see cref="Reason"/>) and a human-readable message naming the field,
/// lead and offending value. The message never contains the patient id. <see cref="DeviceId"/> and
/// <see cref="Sequence"/> identify the record for the dead-letter topic (empty/0 when they were not readable).
/// </summary>
public sealed record SegmentRejection(RejectionReason Reason, string Message, string DeviceId = "", ulong Sequence = 0)
{
    /// <summary>The stable code as text, e.g. "DuplicateLead".</summary>
    public string Code => Reason.ToString();

    public override string ToString() => $"{Code}: {Message}";
}
