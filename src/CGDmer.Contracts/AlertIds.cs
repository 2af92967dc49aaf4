using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CGDmer.Contracts;

/// <summary>
/// The deterministic <c>alertId</c> of an alert event (schemas/alert-event.md): every event of one alert (onset, updates,
/// end) carries the same id, and replaying the same data yields the same id.
/// </summary>
public static class AlertIds
{
    /// <summary>
    /// Lowercase hex of the first 16 bytes of SHA-256 over the UTF-8 of
    /// <c>patientId \n kind \n code \n onset \n modelVersion</c>; <paramref name="onset"/> exactly as written in the event.
    /// </summary>
    public static string Derive(string patientId, string kind, string code, string onset, string? modelVersion)
    {
        ArgumentNullException.ThrowIfNull(patientId);
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(code);
        ArgumentNullException.ThrowIfNull(onset);
        string text = string.Join('\n', patientId, kind, code, onset, modelVersion ?? "");
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        return Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }

    /// <summary>As <see cref="Derive(string,string,string,string,string?)"/>, with the onset written as the event writes it.</summary>
    public static string Derive(string patientId, string kind, string code, DateTimeOffset onset, string? modelVersion) =>
        Derive(patientId, kind, code, FormatTime(onset), modelVersion);

    /// <summary>The event time format: RFC 3339, UTC, millisecond precision, <c>Z</c> suffix.</summary>
    public static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
