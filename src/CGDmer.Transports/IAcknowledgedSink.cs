using CGDmer.Pipeline;

namespace CGDmer.Transports;

/// <summary>
/// A sink whose writes are acknowledged asynchronously (a FHIR server, a second broker): an at-least-once transport waits
/// for its acknowledgement, as for its own, before it commits past the inputs an output depends on.
/// </summary>
public interface IAcknowledgedSink
{
    /// <summary>
    /// Sends what this sink takes of <paramref name="output"/>. The task completes when all of it was accepted and faults
    /// when any of it was refused for good (after the sink's own retries); null when the sink takes nothing of this output.
    /// May block the caller while the sink is saturated (that is its back-pressure).
    /// </summary>
    Task? Write(PipelineOutput output);

    /// <summary>Waits (up to <paramref name="timeout"/>) until every write so far is settled; false on timeout.</summary>
    Task<bool> DrainAsync(TimeSpan timeout);
}

/// <summary>Combining the acknowledgements of one output sent to several sinks.</summary>
public static class Acknowledgements
{
    /// <summary>
    /// Completes when both complete; faults when either faults, with one exception (the first task's when both did,
    /// so a watcher sees that sink's own exception, not an aggregate), and is cancelled when one is cancelled and none
    /// faulted. A null task means "nothing sent there".
    /// </summary>
    public static Task? Both(Task? first, Task? second) =>
        first is null ? second
        : second is null ? first
        : AllOf(first, second);

    private static async Task AllOf(Task first, Task second) => await Task.WhenAll(first, second).ConfigureAwait(false);
}
