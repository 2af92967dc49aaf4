using System.Text.Json;
using System.Text.Json.Serialization;

namespace CGDmer.Pipeline.Interpretation;

/// <summary>
/// One patient's alert state after a window (<see cref="AlertTracker.Checkpoint"/>), so that a restarted or rebalanced
/// service continues that patient's alerts instead of starting over: an active alarm keeps its id and ends when its
/// condition ends, a pending run keeps its count. Written by an at-least-once transport once the window's outputs are
/// acknowledged; codes are named, not numbered, so a checkpoint outlives a change in the model's label order.
/// </summary>
public sealed record AlertCheckpoint
{
    /// <summary>Version of this wire form; a reader refuses another.</summary>
    public const int CurrentFormat = 1;

    public int Format { get; init; } = CurrentFormat;
    public required string PatientId { get; init; }
    /// <summary>Start of the last window the state includes: a window not later than this one does not move it again.</summary>
    public required DateTimeOffset LastWindowStart { get; init; }
    public required DateTimeOffset LastWindowEnd { get; init; }
    public string LastDeviceId { get; init; } = "";
    // (Codes empty: the patient holds no alert state since that window. A cleared state is stored rather than deleted, so
    // that an instance that held the patient's alerts before a rebalance learns that another one ended them.)
    public DateTimeOffset? LastEvidenceStart { get; init; }
    public DateTimeOffset? LastEvidenceEnd { get; init; }
    public required IReadOnlyList<AlertCodeCheckpoint> Codes { get; init; }

    /// <summary>
    /// The patient's state as of a later acknowledged window (<paramref name="start"/>) than <paramref name="latest"/>, the
    /// last checkpoint stored (null: none, so no codes). Windows after a stored checkpoint changed no code, so the codes
    /// carry over; a tracker given it skips every window up to that one, and a transport publishes none of them again.
    /// </summary>
    public static AlertCheckpoint DeliveredThrough(AlertCheckpoint? latest, string patientId, DateTimeOffset start, DateTimeOffset end, string deviceId) =>
        latest is null
            ? new AlertCheckpoint { PatientId = patientId, LastWindowStart = start, LastWindowEnd = end, LastDeviceId = deviceId, Codes = [] }
            : latest with { LastWindowStart = start, LastWindowEnd = end, LastDeviceId = deviceId };
}

/// <summary>The state of one pending, active or refractory alert code (see <see cref="AlertTracker"/>'s phases).</summary>
public sealed record AlertCodeCheckpoint
{
    /// <summary>"clinical", "heart_rate" or "technical".</summary>
    public required string Kind { get; init; }
    public required string Code { get; init; }
    /// <summary>"pending", "active" or "refractory".</summary>
    public required string Phase { get; init; }
    public DateTimeOffset RunStart { get; init; }
    public int RunCount { get; init; }
    public IReadOnlyList<DateTimeOffset>? RunWindowStarts { get; init; }
    public IReadOnlyList<DateTimeOffset>? RunWindowEnds { get; init; }
    public DateTimeOffset? LastEnd { get; init; }
    public string AlertId { get; init; } = "";
    public DateTimeOffset Onset { get; init; }
    public int BelowCount { get; init; }
    public DateTimeOffset FirstBelowStart { get; init; }
    public DateTimeOffset LastEventAt { get; init; }
    public double LastReportedProbability { get; init; }
    public double LastProbability { get; init; }
    /// <summary>Heart-rate alarms: the rate of the last window that counted (absent when it was blanked).</summary>
    public double? LastHeartRateBpm { get; init; }
    /// <summary>Bit per lead (<see cref="CGDmer.Signal.Lead"/>) last reported by a technical alert.</summary>
    public int ReportedLeads { get; init; }
}

/// <summary>
/// Where an <see cref="AlertTracker"/> finds the checkpoints a previous owner of its patients stored (loaded by the
/// transport when it is given the patients' inputs). Thread-safe.
/// </summary>
public interface IAlertCheckpointSource
{
    /// <summary>The stored checkpoint of the patient, handed out once per load (a later call returns null until the next load).</summary>
    AlertCheckpoint? Take(string patientId);
}

/// <summary>The checkpoints a transport loaded, handed to the tracker once each and kept for the transport's own questions.</summary>
public sealed class AlertCheckpointStore : IAlertCheckpointSource
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, AlertCheckpoint> _untaken = new(StringComparer.Ordinal);
    private volatile IReadOnlyDictionary<string, AlertCheckpoint> _loaded = new Dictionary<string, AlertCheckpoint>();

    /// <summary>Replaces what is held with <paramref name="checkpoints"/> (the latest per patient), each to be taken once again.</summary>
    public void Load(IEnumerable<AlertCheckpoint> checkpoints)
    {
        ArgumentNullException.ThrowIfNull(checkpoints);
        var loaded = new Dictionary<string, AlertCheckpoint>(StringComparer.Ordinal);
        _untaken.Clear();
        foreach (var c in checkpoints)
        {
            _untaken[c.PatientId] = c;
            loaded[c.PatientId] = c;
        }
        _loaded = loaded;
    }

    /// <summary>Patients with a loaded checkpoint.</summary>
    public int Count => _loaded.Count;

    // Called for every window: one lookup (ConcurrentDictionary.IsEmpty takes every lock when the dictionary is empty).
    public AlertCheckpoint? Take(string patientId) => _untaken.TryRemove(patientId, out var c) ? c : null;

    /// <summary>The patient's checkpoint as loaded (taken or not), or null.</summary>
    public AlertCheckpoint? Loaded(string patientId) => _loaded.TryGetValue(patientId, out var c) ? c : null;

    /// <summary>
    /// Start of the last window of the patient whose outputs were acknowledged before the checkpoint was stored, or null:
    /// a window read again after a restart that starts no later than this was delivered already.
    /// </summary>
    public DateTimeOffset? DeliveredThrough(string patientId) => Loaded(patientId)?.LastWindowStart;
}

/// <summary>The checkpoint's wire form: compact camelCase JSON, strict on read.</summary>
public static class AlertCheckpointJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectRequiredConstructorParameters = true,
    };

    public static byte[] Serialize(AlertCheckpoint checkpoint) => JsonSerializer.SerializeToUtf8Bytes(checkpoint, Options);

    /// <exception cref="FormatException">The bytes are not a checkpoint of <see cref="AlertCheckpoint.CurrentFormat"/>.</exception>
    public static AlertCheckpoint Deserialize(ReadOnlySpan<byte> utf8)
    {
        AlertCheckpoint? c;
        try { c = JsonSerializer.Deserialize<AlertCheckpoint>(utf8, Options); }
        catch (JsonException e) { throw new FormatException($"not an alert checkpoint: {e.Message}", e); }
        if (c is null || c.Codes is null) throw new FormatException("not an alert checkpoint: empty");
        if (c.Format != AlertCheckpoint.CurrentFormat)
            throw new FormatException($"alert checkpoint format {c.Format}; this build reads {AlertCheckpoint.CurrentFormat}");
        return c;
    }
}
