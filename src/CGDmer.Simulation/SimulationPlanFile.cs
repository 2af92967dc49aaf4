using System.Text.Json;

namespace CGDmer.Simulation;

/// <summary>
/// A delivery plan as NDJSON (the <c>simulate --out</c> dry run): one line per message with its send time, key, kind,
/// monitor, sequence, faults, expected dead letter and the value in base64 — enough to replay it or to check a service's
/// output against it without Kafka. Simulated ids only; the file holds no real patient data.
/// </summary>
public static class SimulationPlanFile
{
    /// <summary>Writes <paramref name="messages"/> to <paramref name="stream"/> as they are enumerated; returns how many.</summary>
    public static long Write(IEnumerable<SimulatedMessage> messages, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(stream);
        long n = 0;
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { SkipValidation = true });
        foreach (var m in messages)
        {
            json.WriteStartObject();
            json.WriteNumber("sendAtMs", m.SendAt.TotalMilliseconds);
            json.WriteNumber("sendAtTicks", m.SendAt.Ticks); // exact (100 ns); the milliseconds are for people
            json.WriteString("key", m.Key);
            json.WriteString("kind", m.Kind.ToString());
            json.WriteNumber("monitor", m.Monitor);
            json.WriteNumber("sequence", m.Sequence);
            if (m.Faults != SegmentFaults.None) json.WriteString("faults", m.Faults.ToString());
            if (m.Malformation is { } malformation) json.WriteString("malformation", malformation.ToString());
            if (m.ExpectedDeadLetter is { } expected)
            {
                json.WriteString("expectedReason", expected.Reason);
                json.WriteBoolean("unreadable", expected.Unreadable);
            }
            json.WriteNumber("bytes", m.Value.Length);
            json.WriteBase64String("value", m.Value);
            json.WriteEndObject();
            json.Flush();
            json.Reset(); // one document per line: no separator before the next
            stream.WriteByte((byte)'\n');
            n++;
        }
        return n;
    }

    /// <summary>Writes the plan to <paramref name="path"/> (folders created); returns how many messages.</summary>
    public static long Write(IEnumerable<SimulatedMessage> messages, string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
        return Write(messages, file);
    }

    /// <summary>Reads a plan file back (tests, replays of a dry run).</summary>
    public static IEnumerable<SimulatedMessage> Read(string path)
    {
        foreach (var line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var doc = JsonDocument.Parse(line);
            var e = doc.RootElement;
            var kind = Enum.Parse<SimulatedMessageKind>(e.GetProperty("kind").GetString()!);
            var message = new SimulatedMessage(e.GetProperty("key").GetString()!, e.GetProperty("value").GetBytesFromBase64(),
                TimeSpan.FromTicks(e.GetProperty("sendAtTicks").GetInt64()), kind, e.GetProperty("monitor").GetInt32(), e.GetProperty("sequence").GetUInt64())
            {
                Faults = e.TryGetProperty("faults", out var f) ? Enum.Parse<SegmentFaults>(f.GetString()!) : SegmentFaults.None,
                Malformation = e.TryGetProperty("malformation", out var mf) ? Enum.Parse<Malformation>(mf.GetString()!) : null,
                ExpectedDeadLetter = e.TryGetProperty("expectedReason", out var r)
                    ? (e.GetProperty("unreadable").GetBoolean()
                        ? ExpectedDeadLetter.UnreadableAs(r.GetString()!)
                        : ExpectedDeadLetter.RejectedAs(Enum.Parse<CGDmer.Pipeline.Validation.RejectionReason>(r.GetString()!)))
                    : null,
            };
            yield return message;
        }
    }
}
