namespace CGDmer.Pipeline.Settlement;

/// <summary>
/// What a window, or the end of a patient's window state, tells the host about the inputs it no longer needs — so a
/// transport can commit its read position only past inputs whose every dependent output was delivered (at-least-once),
/// without the pipeline knowing the transport.
/// </summary>
/// <remarks>
/// <para><b>Input ordinals.</b> The pipeline numbers the segments of one subscription 1, 2, 3, … in the order they enter
/// (<see cref="Validation.ValidationResult.InputOrdinal"/>); a host numbers what it passes in the same way.</para>
/// <para><b>Patient states.</b> The window stage keeps one state per patient from its first segment until it is evicted
/// (silence, capacity, error). <see cref="StateId"/> numbers these states; a patient's later state has a larger id. Its
/// windows are numbered 1, 2, 3, … (<see cref="WindowNumber"/>) in emission order, and the pipeline delivers a patient's
/// windows in that order.</para>
/// <para><b>The rule.</b> Once window (StateId, WindowNumber) and every earlier window of the patient are delivered,
/// every input of that patient with ordinal ≤ <see cref="InputsThrough"/> is no longer needed by the pipeline. When a
/// state is closed, <see cref="PatientStateClosed"/> carries the same triple with the number of windows the state
/// emitted: it settles the rest once those windows are delivered (it may reach the host before them).</para>
/// </remarks>
public readonly record struct InputSettlement(long StateId, long WindowNumber, long InputsThrough)
{
    /// <summary>Orders a patient's windows and state closings in emission order.</summary>
    public bool IsAfter(InputSettlement other) =>
        StateId > other.StateId || (StateId == other.StateId && WindowNumber > other.WindowNumber);
}

/// <summary>
/// A patient's window state was closed (silent, evicted for capacity, or discarded after an error): every input of the
/// patient up to <see cref="InputSettlement.InputsThrough"/> is settled once the state's
/// <see cref="InputSettlement.WindowNumber"/> windows are delivered. Not raised at the end of the stream: the windows
/// that had not elapsed were not emitted, so their inputs stay unsettled and a restarted service reads them again.
/// </summary>
public sealed record PatientStateClosed(string PatientId, InputSettlement Settlement);
