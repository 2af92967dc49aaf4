using CGDmer.Contracts.Model;
using CGDmer.Signal;
using CGDmer.Signal.Dsp;

namespace CGDmer.Pipeline.Windowing;

/// <summary>
/// The shape of the model's input window, taken from the model file's metadata (schemas/model-contract.md) and never
/// from configuration: sample rate, window length, lead order (tensor rows) and the preprocessing to apply.
/// </summary>
public sealed record WindowGeometry
{
    public WindowGeometry(int sampleRateHz, int windowSamples, IReadOnlyList<Lead> leadOrder, string preprocessing)
    {
        if (sampleRateHz <= 0) throw new ArgumentOutOfRangeException(nameof(sampleRateHz), sampleRateHz, "must be positive");
        if (windowSamples <= 0) throw new ArgumentOutOfRangeException(nameof(windowSamples), windowSamples, "must be positive");
        ArgumentNullException.ThrowIfNull(leadOrder);
        if (leadOrder.Count == 0 || leadOrder.Distinct().Count() != leadOrder.Count)
            throw new ArgumentException("lead order must be non-empty and without repeats", nameof(leadOrder));
        if (preprocessing != EcgPreprocessing.Identifier)
            throw new NotSupportedException($"Preprocessing '{preprocessing}' is not implemented by this service (it implements '{EcgPreprocessing.Identifier}').");
        SampleRateHz = sampleRateHz;
        WindowSamples = windowSamples;
        LeadOrder = leadOrder;
        Preprocessing = preprocessing;
        _rowOfLead = new int[Leads.Count];
        Array.Fill(_rowOfLead, -1);
        for (int i = 0; i < leadOrder.Count; i++) _rowOfLead[(int)leadOrder[i]] = i;
    }

    private readonly int[] _rowOfLead;

    public int SampleRateHz { get; }
    public int WindowSamples { get; }
    /// <summary>Lead of each row of the model's <c>ecg</c> input.</summary>
    public IReadOnlyList<Lead> LeadOrder { get; }
    public string Preprocessing { get; }

    public int LeadCount => LeadOrder.Count;
    public TimeSpan WindowDuration => TimeSpan.FromTicks((long)Math.Round(WindowSamples * (double)TimeSpan.TicksPerSecond / SampleRateHz));

    /// <summary>
    /// True when the window stage can place segments at <paramref name="nativeRateHz"/> and resample them to this
    /// model's rate (a ratio within <see cref="Resampler.MaxRatioError"/> of L/M with L, M ≤ <see cref="Resampler.MaxPhases"/>,
    /// taken at the rate to the nearest millihertz as the stage does). The rates that qualify form one interval, so the
    /// validator's range is checked at its two ends (<see cref="Validation.SegmentValidationOptions.Validate(WindowGeometry)"/>).
    /// </summary>
    public bool CanResampleFrom(double nativeRateHz) =>
        nativeRateHz > 0 && nativeRateHz <= NativeLayout.MaxRateHz && Math.Round(nativeRateHz * 1000) >= 1
        && Resampler.TryRationalRatio(NativeLayout.MilliHz(nativeRateHz) / 1000.0, SampleRateHz, out _, out _);

    /// <summary>Row of <paramref name="lead"/> in the model input, or −1 when the model has no such row.</summary>
    public int RowOf(Lead lead) => (uint)lead < (uint)_rowOfLead.Length ? _rowOfLead[(int)lead] : -1;

    /// <summary>Reads the geometry from a model's metadata; a lead name it does not know or an unsupported preprocessing is an error.</summary>
    public static WindowGeometry FromMetadata(ModelMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (metadata.Units != "mV")
            throw new NotSupportedException($"Model '{metadata.ModelName}' expects input in '{metadata.Units}'; this service feeds mV.");
        var leads = new Lead[metadata.LeadOrder.Count];
        for (int i = 0; i < leads.Length; i++)
            if (!Leads.TryParse(metadata.LeadOrder[i], out leads[i]))
                throw new InvalidDataException($"Model '{metadata.ModelName}': unknown lead '{metadata.LeadOrder[i]}' in cgdmer.lead_order.");
        return new WindowGeometry(metadata.SampleRateHz, metadata.WindowSamples, leads, metadata.Preprocessing);
    }
}
