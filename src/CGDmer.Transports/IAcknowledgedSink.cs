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

/// <summary>
/// Several acknowledged sinks as one (the FHIR server and the HL7 receiver): every output goes to each, and its
/// acknowledgement is all of theirs (<see cref="Acknowledgements.Both"/>); draining drains each within the one timeout.
/// </summary>
public sealed class AcknowledgedSinks : IAcknowledgedSink
{
    private readonly IAcknowledgedSink[] _sinks;

    private AcknowledgedSinks(IAcknowledgedSink[] sinks) => _sinks = sinks;

    /// <summary>The sinks that are not null, as one; null when there is none, the sink itself when there is one.</summary>
    public static IAcknowledgedSink? Combine(params IAcknowledgedSink?[] sinks)
    {
        var present = sinks.OfType<IAcknowledgedSink>().ToArray();
        return present.Length switch { 0 => null, 1 => present[0], _ => new AcknowledgedSinks(present) };
    }

    public Task? Write(PipelineOutput output)
    {
        Task? all = null;
        foreach (var sink in _sinks) all = Acknowledgements.Both(all, sink.Write(output));
        return all;
    }

    public async Task<bool> DrainAsync(TimeSpan timeout)
    {
        var drained = await Task.WhenAll(_sinks.Select(s => s.DrainAsync(timeout))).ConfigureAwait(false);
        return drained.All(d => d);
    }
}
