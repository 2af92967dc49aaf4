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

    /// <summary>
    /// The event time format: RFC 3339, UTC, millisecond precision (truncated), <c>Z</c> suffix: what
    /// <c>ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", InvariantCulture)</c> writes, digit by digit (every Observation's
    /// period and id have four; the custom format's parser cost more than the rest of the id).
    /// </summary>
    public static string FormatTime(DateTimeOffset time) =>
        string.Create(24, time.UtcDateTime, static (text, t) =>
        {
            Digits(text[..4], t.Year);
            text[4] = '-';
            Digits(text.Slice(5, 2), t.Month);
            text[7] = '-';
            Digits(text.Slice(8, 2), t.Day);
            text[10] = 'T';
            Digits(text.Slice(11, 2), t.Hour);
            text[13] = ':';
            Digits(text.Slice(14, 2), t.Minute);
            text[16] = ':';
            Digits(text.Slice(17, 2), t.Second);
            text[19] = '.';
            Digits(text.Slice(20, 3), t.Millisecond);
            text[23] = 'Z';
        });

    /// <summary>Writes <paramref name="value"/> (non-negative, fewer digits than the span) zero-padded to the span's length.</summary>
    private static void Digits(Span<char> destination, int value)
    {
        for (int i = destination.Length - 1; i >= 0; i--, value /= 10) destination[i] = (char)('0' + value % 10);
    }
}
