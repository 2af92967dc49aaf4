namespace CGDmer.Pipeline.Interpretation;

/// <summary>
/// One alert event as defined by schemas/alert-event.schema.json (see schemas/alert-event.md): the onset, an update or the
/// end of one clinical or technical alert of one patient. Property names map to the schema's camelCase names.
/// </summary>
public sealed record AlertEvent
{
    public const int SchemaVersionV1 = 1;

    public int SchemaVersion { get; init; } = SchemaVersionV1;
    /// <summary>Deterministic id shared by all events of one alert (<see cref="CGDmer.Contracts.AlertIds"/>).</summary>
    public required string AlertId { get; init; }
    /// <summary>"onset", "update" or "end".</summary>
    public required string Event { get; init; }
    /// <summary>"clinical" (a model finding), "heart_rate" (the heart-rate meter's limits and asystole) or "technical".</summary>
    public required string Kind { get; init; }
    /// <summary>Label key (clinical), heart_rate_high / heart_rate_low / asystole (heart_rate) or lead_off / poor_signal / no_signal (technical).</summary>
    public required string Code { get; init; }
    public string? SnomedCt { get; init; }
    public required string Display { get; init; }
    public required string PatientId { get; init; }
    public required string DeviceId { get; init; }
    public required DateTimeOffset Onset { get; init; }
    public DateTimeOffset? End { get; init; }
    public required DateTimeOffset ObservedAt { get; init; }
    public double? Probability { get; init; }
    /// <summary>Heart-rate alarms: the rate shown at <see cref="ObservedAt"/> (/min), absent while it is blanked (asystole).</summary>
    public double? HeartRateBpm { get; init; }
    public IReadOnlyList<string>? Leads { get; init; }
    /// <summary>"low", "medium" or "high".</summary>
    public required string Priority { get; init; }
    public string? ModelName { get; init; }
    public string? ModelVersion { get; init; }
    public IReadOnlyList<string> ObservationIds { get; init; } = [];
}
