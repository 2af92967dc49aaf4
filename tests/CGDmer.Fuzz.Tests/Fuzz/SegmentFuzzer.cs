using System.Text;
using CGDmer.Contracts.Telemetry.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace CGDmer.Pipeline.Tests.Fuzz;

/// <summary>One fuzzed input: the bytes a monitor (or a broken producer) put on the segment topic, and how they were made.</summary>
internal sealed record FuzzInput(int Seed, byte[] Bytes, IReadOnlyList<string> Mutations)
{
    public string Describe(int maxBytes = 2048)
    {
        var hex = Convert.ToHexString(Bytes.AsSpan(0, Math.Min(Bytes.Length, maxBytes)));
        return $"seed {Seed}, {Bytes.Length} bytes, mutations [{string.Join(", ", Mutations)}]\n  bytes (hex{(Bytes.Length > maxBytes ? $", first {maxBytes}" : "")}): {hex}";
    }
}

/// <summary>
/// Generators of hostile segments, deterministic in their seed: valid segments mutated field by field (rates, counts,
/// lead names, timestamps, sequence numbers, sizes, units, ids, ranges), serialized and then mutated byte by byte (bit
/// flips, truncation, insertion, splices, concatenation, which protobuf merges), and raw random bytes for the decoder.
/// </summary>
internal static class SegmentFuzzer
{
    private static readonly string[] ValidLeadNames =
        ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"];
    private static readonly string[] AltLeadNames = ["MLII", "MV1", "lead II", "ii", "AVR", "v5", "Lead-V2", "a_V_F", "ML-II"];

    private static readonly double[] OddRates =
    [
        499.87, 257.3, 500.5, 1999.999, 1000.0 / 3, 360.0001, 128, 50, 2000, 49.999999, 2000.000001, 50.0000001, 1999.9999999,
        1e300, -1e300, 1e-300, 0, -0.0, -500, 10, 4000, double.NaN, double.PositiveInfinity, double.NegativeInfinity,
        double.Epsilon, double.MaxValue, double.MinValue, 123.456789, 999.999, 51.1, 1234.5678, 1.0 / 3,
    ];

    private static readonly string[] OddLeadNames =
    [
        "", " ", "\u0000II", "II\n", "II\u0000", "\u0085V1", "\u009fI", "I\u007f", "MLV1", "V7", "V0", "aVX", "lead ", "LEAD-ii", "a_V_R",
        "MLIII", "V1\u200b", "\u2161", "II\ud800", "\udc00", "ＩＩ", "II ", " V1", "--II--", "lead lead II", "V-1", "MV6", "MLI", "X",
        "\u202eII", new string('I', 300), new string('V', 10_000), "null", "ECG", "ECG1", "CM5", "MV5", "D1",
    ];

    private static readonly string[] OddUnits =
    [
        "mV", "uV", "V", "nV", "mv", "MV", "µV", "μV", "uv", "", " mV", "mV ", "mV\u0000", "kV", "mmHg", "[", "10*3.V", "V2", "m V",
        "10*-3.V", "mV/s", "\u0085", new string('m', 5000) + "V",
    ];

    private static readonly string[] OddIds =
    [
        "", " ", "a ", " a", "\t", "p\u0000", "p\u0085", "p\u009f", "p\u007f", "p\u001b[31m", "p\ud800", "\udfff", "ü-bett-7", "p\u2028q",
        "p\u200b", "\ud83d\udc93", new string('p', 64), new string('p', 65), new string('x', 100_000), "..", "/etc/passwd", "p\r\n",
        "patient-ctl ", "monitor-ctl\u0000",
    ];

    private static readonly double[] OddGains =
        [0, -0.0, -1, double.NaN, double.PositiveInfinity, double.NegativeInfinity, 1e-300, 1e300, double.Epsilon, double.MaxValue, 1e-10, 1e-45, 200, 0.2];

    /// <summary>A valid segment near <paramref name="now"/>: varied rates, leads, units, counts and ranges.</summary>
    public static EcgSegment ValidSegment(Random rng, DateTimeOffset now)
    {
        double rate = rng.Next(5) switch
        {
            0 => 250, 1 => 360, 2 => 500, 3 => rng.Next(50, 2001), _ => Pick(rng, [128.0, 1000, 200, 100, 125, 1024]),
        };
        int leadCount = rng.Next(4) == 0 ? rng.Next(1, 13) : rng.Next(1, 4);
        var names = ValidLeadNames.OrderBy(_ => rng.Next()).Take(leadCount).ToList();
        if (rng.Next(4) == 0 && names.Contains("II")) names[names.IndexOf("II")] = "MLII";
        int maxCount = (int)Math.Floor(rate * 30);
        int count = rng.Next(10) == 0 ? rng.Next(1, maxCount + 1) : rng.Next(1, (int)Math.Min(maxCount, rate * 2) + 1);
        var s = new EcgSegment
        {
            SchemaVersion = 1,
            PatientId = $"patient-{rng.Next(1000):D4}",
            DeviceId = $"monitor-{rng.Next(100):D3}",
            Sequence = (ulong)rng.NextInt64(0, 1L << 40),
            StartTime = Timestamp.FromDateTimeOffset(now - TimeSpan.FromSeconds(rng.Next(10) == 0 ? rng.Next(0, 86_000) : count / rate + rng.NextDouble() * 5)),
            SampleRateHz = rate,
        };
        foreach (var name in names)
        {
            var (unit, gain) = rng.Next(4) switch { 0 => ("uV", 0.2), 1 => ("V", 200_000.0), 2 => ("nV", 0.0002), _ => ("mV", 200.0) };
            var l = new LeadSamples { Lead = name, Gain = gain, Unit = unit, Baseline = rng.Next(-2048, 2048), LeadOff = rng.Next(20) == 0 };
            var samples = new int[count];
            for (int i = 0; i < count; i++) samples[i] = l.Baseline + (int)(300 * Math.Sin(i * 0.07) + rng.Next(-20, 20));
            l.Samples.Add(samples);
            if (rng.Next(8) == 0 && count >= 4)
            {
                uint a = (uint)rng.Next(0, count / 2), b = (uint)rng.Next((int)a + 1, count + 1);
                l.LeadOffRanges.Add(new SampleRange { Start = a, End = b });
            }
            s.Leads.Add(l);
        }
        return s;
    }

    /// <summary>Input <paramref name="seed"/> of the decode and validation fuzzing.</summary>
    public static FuzzInput Next(int seed, DateTimeOffset now)
    {
        var rng = new Random(seed);
        var log = new List<string>();
        int kind = rng.Next(100);
        if (kind < 10)
        {
            log.Add("raw-bytes");
            return new FuzzInput(seed, RawBytes(rng), log);
        }
        if (kind < 14)
        {
            log.Add("random-fields");
            return new FuzzInput(seed, RandomFields(rng), log);
        }
        var segment = ValidSegment(rng, now);
        int fieldMutations = kind < 24 ? 0 : 1 + (rng.Next(3) == 0 ? rng.Next(1, 4) : 0);
        for (int m = 0; m < fieldMutations; m++) log.Add(MutateField(rng, segment, now));
        var bytes = segment.ToByteArray();
        if (kind < 24 || rng.Next(4) == 0)
        {
            int byteMutations = rng.Next(1, 4);
            for (int m = 0; m < byteMutations; m++) bytes = MutateBytes(rng, bytes, now, log);
        }
        return new FuzzInput(seed, bytes, log);
    }

    /// <summary>Applies one field-level mutation to <paramref name="s"/>; returns its name (for the failure report).</summary>
    public static string MutateField(Random rng, EcgSegment s, DateTimeOffset now, bool keepIds = false)
    {
        LeadSamples? AnyLead() => s.Leads.Count == 0 ? null : s.Leads[rng.Next(s.Leads.Count)];
        int which = rng.Next(keepIds ? 19 : 21);
        switch (which)
        {
            case 0:
            case 1:
            {
                double r = rng.Next(3) switch
                {
                    0 => Pick(rng, OddRates),
                    1 => 50 + rng.NextDouble() * 1950,
                    _ => BitConverter.Int64BitsToDouble(rng.NextInt64(long.MinValue, long.MaxValue)),
                };
                s.SampleRateHz = r;
                return $"rate={r:R}";
            }
            case 2:
            {
                var l = AnyLead();
                if (l is null) return "count:no-lead";
                int n = l.Samples.Count;
                switch (rng.Next(5))
                {
                    case 0: l.Samples.Clear(); return "count=0";
                    case 1: { int k = rng.Next(1, Math.Max(2, n)); for (int i = 0; i < k && l.Samples.Count > 0; i++) l.Samples.RemoveAt(l.Samples.Count - 1); return $"count-={k}"; }
                    case 2: { int k = rng.Next(1, 50); for (int i = 0; i < k; i++) l.Samples.Add(rng.Next()); return $"count+={k}"; }
                    case 3:
                    {
                        // Just over (or at) 30 s of samples at the declared rate, where that stays a sane size.
                        double rate = s.SampleRateHz;
                        if (!double.IsFinite(rate) || rate <= 0 || rate > 2100) return "count:over-30s-skipped";
                        int target = (int)Math.Floor(rate * 30) + rng.Next(-1, 3);
                        foreach (var lead in s.Leads) { lead.Samples.Clear(); lead.Samples.Add(new int[Math.Max(0, target)]); }
                        return $"count={target}@30s";
                    }
                    default:
                        foreach (var lead in s.Leads) { lead.Samples.Clear(); lead.Samples.Add(rng.Next()); }
                        return "count=1";
                }
            }
            case 3:
            case 4:
            {
                var l = AnyLead();
                if (l is null) return "lead:no-lead";
                l.Lead = rng.Next(3) == 0 ? RandomString(rng, rng.Next(0, 12)) : Pick(rng, OddLeadNames);
                return $"lead={Escape(l.Lead)}";
            }
            case 5:
            {
                var l = AnyLead();
                if (l is null) return "dup:no-lead";
                if (rng.Next(2) == 0) { s.Leads.Add(l.Clone()); return "dup-lead=clone"; }
                var alias = l.Lead switch { "II" => "MLII", "MLII" => "II", "V1" => "MV1", _ => "lead " + l.Lead };
                var copy = l.Clone();
                copy.Lead = alias;
                s.Leads.Insert(rng.Next(s.Leads.Count + 1), copy);
                return $"dup-lead={alias}";
            }
            case 6:
            case 7:
            {
                long nowSec = now.ToUnixTimeSeconds();
                switch (rng.Next(6))
                {
                    case 0: s.StartTime = null; return "time=missing";
                    case 1:
                    {
                        int nanos = Pick(rng, [-1, 1_000_000_000, int.MaxValue, int.MinValue, 999_999_999, 0, rng.Next(int.MinValue, int.MaxValue)]);
                        (s.StartTime ??= new Timestamp()).Nanos = nanos;
                        return $"nanos={nanos}";
                    }
                    case 2:
                    {
                        long sec = Pick(rng, [long.MinValue, long.MaxValue, 0L, -62135596800L, -62135596801L, 253402300799L, 253402300800L, rng.NextInt64(long.MinValue, long.MaxValue)]);
                        (s.StartTime ??= new Timestamp()).Seconds = sec;
                        return $"seconds={sec}";
                    }
                    case 3:
                    {
                        // Around the receiver's limits: 5 min ahead, 24 h behind.
                        long off = Pick(rng, [299L, 300L, 301L, 240L, 3600L, 86_400L * 365 * 100, -86_399L, -86_400L, -86_401L, -86_400L * 365 * 50]);
                        s.StartTime = new Timestamp { Seconds = nowSec + off, Nanos = rng.Next(1_000_000_000) };
                        return $"time=now{off:+#;-#;0}s";
                    }
                    case 4:
                    {
                        s.StartTime = Timestamp.FromDateTimeOffset(now + TimeSpan.FromSeconds(rng.Next(-600, 600)));
                        return "time=jitter";
                    }
                    default:
                    {
                        var t = s.StartTime ?? new Timestamp();
                        s.StartTime = new Timestamp { Seconds = t.Seconds, Nanos = rng.Next(0, 1_000_000_000) };
                        return "nanos=random";
                    }
                }
            }
            case 8:
            case 9:
            {
                ulong seq = s.Sequence;
                ulong v = rng.Next(9) switch
                {
                    0 => 0, 1 => ulong.MaxValue, 2 => ulong.MaxValue - 1, 3 => uint.MaxValue, 4 => (ulong)uint.MaxValue + 1,
                    5 => seq - 1, 6 => seq - (ulong)rng.Next(2, 100_000), 7 => seq + (ulong)rng.Next(2, 1_000_000), _ => (ulong)rng.NextInt64(),
                };
                s.Sequence = v;
                return $"seq={v}";
            }
            case 10:
            {
                switch (rng.Next(4))
                {
                    case 0:
                    {
                        int n = s.Leads.Count > 0 ? s.Leads[0].Samples.Count : 1, k = rng.Next(13, 40);
                        var template = s.Leads.Count > 0 ? s.Leads[0] : new LeadSamples { Lead = "II", Gain = 1, Unit = "mV" };
                        for (int i = s.Leads.Count; i < k; i++) { var c = template.Clone(); c.Lead = OddLeadNames[i % OddLeadNames.Length]; s.Leads.Add(c); }
                        return $"leads={k}";
                    }
                    case 1:
                    {
                        var l = AnyLead();
                        if (l is null) return "huge:no-lead";
                        int k = rng.Next(60_001, 200_000);
                        l.Samples.Add(new int[k]);
                        return $"samples+={k}";
                    }
                    case 2:
                    {
                        var l = AnyLead();
                        if (l is null) return "ranges:no-lead";
                        int k = rng.Next(100, 3000);
                        for (uint i = 0; i < k; i++) l.LeadOffRanges.Add(new SampleRange { Start = i * 2, End = i * 2 + 1 });
                        return $"ranges+={k}";
                    }
                    default:
                        s.Leads.Clear();
                        return "leads=0";
                }
            }
            case 11:
            {
                var l = AnyLead();
                if (l is null) return "unit:no-lead";
                l.Unit = rng.Next(4) == 0 ? RandomString(rng, rng.Next(0, 6)) : Pick(rng, OddUnits);
                return $"unit={Escape(l.Unit)}";
            }
            case 12:
            {
                var l = AnyLead();
                if (l is null) return "gain:no-lead";
                l.Gain = rng.Next(4) == 0 ? BitConverter.Int64BitsToDouble(rng.NextInt64(long.MinValue, long.MaxValue)) : Pick(rng, OddGains);
                return $"gain={l.Gain:R}";
            }
            case 13:
            {
                var l = AnyLead();
                if (l is null) return "baseline:no-lead";
                l.Baseline = Pick(rng, [int.MinValue, int.MaxValue, rng.Next(int.MinValue, int.MaxValue)]);
                return $"baseline={l.Baseline}";
            }
            case 14:
            {
                var l = AnyLead();
                if (l is null) return "values:no-lead";
                for (int i = 0; i < l.Samples.Count; i++)
                    if (rng.Next(3) == 0) l.Samples[i] = Pick(rng, [int.MinValue, int.MaxValue, rng.Next(int.MinValue, int.MaxValue)]);
                return "values=extreme";
            }
            case 15:
            {
                uint v = Pick(rng, [0u, 2u, uint.MaxValue, (uint)rng.Next()]);
                s.SchemaVersion = v;
                return $"schema={v}";
            }
            case 16:
            case 17:
            {
                var l = AnyLead();
                if (l is null) return "ranges:no-lead";
                int n = l.Samples.Count, k = rng.Next(1, 5);
                l.LeadOffRanges.Clear();
                for (int i = 0; i < k; i++)
                {
                    uint a = Pick(rng, [0u, (uint)n, (uint)(n + 1), uint.MaxValue, (uint)rng.Next(-2, n + 2)]);
                    uint b = Pick(rng, [0u, (uint)n, (uint)(n + 1), uint.MaxValue, a, a + 1, (uint)rng.Next(-2, n + 2)]);
                    l.LeadOffRanges.Add(new SampleRange { Start = a, End = b });
                }
                return $"ranges={string.Join(";", l.LeadOffRanges.Select(r => $"{r.Start}-{r.End}"))}";
            }
            case 18:
            {
                var l = AnyLead();
                if (l is null) return "leadoff:no-lead";
                foreach (var lead in s.Leads) lead.LeadOff = rng.Next(2) == 0;
                var shuffled = s.Leads.OrderBy(_ => rng.Next()).ToList();
                s.Leads.Clear();
                s.Leads.Add(shuffled);
                return "leadoff+shuffle";
            }
            case 19:
            {
                string id = rng.Next(4) == 0 ? RandomString(rng, rng.Next(0, 70)) : Pick(rng, OddIds);
                s.PatientId = id;
                return $"patient={Escape(id)}";
            }
            default:
            {
                string id = rng.Next(4) == 0 ? RandomString(rng, rng.Next(0, 70)) : Pick(rng, OddIds);
                s.DeviceId = id;
                return $"device={Escape(id)}";
            }
        }
    }

    /// <summary>One byte-level mutation of an encoded segment.</summary>
    public static byte[] MutateBytes(Random rng, byte[] bytes, DateTimeOffset now, List<string> log)
    {
        if (bytes.Length == 0) { log.Add("bytes:empty"); return RawBytes(rng); }
        switch (rng.Next(8))
        {
            case 0:
            {
                var b = (byte[])bytes.Clone();
                int k = rng.Next(1, 9);
                for (int i = 0; i < k; i++) b[rng.Next(b.Length)] ^= (byte)(1 << rng.Next(8));
                log.Add($"bitflip×{k}");
                return b;
            }
            case 1:
            {
                var b = (byte[])bytes.Clone();
                int k = rng.Next(1, 5);
                for (int i = 0; i < k; i++) b[rng.Next(b.Length)] = Pick(rng, [(byte)0, (byte)0xFF, (byte)0x80, (byte)0x7F, (byte)rng.Next(256)]);
                log.Add($"byteset×{k}");
                return b;
            }
            case 2:
            {
                int at = rng.Next(bytes.Length);
                log.Add($"truncate@{at}");
                return bytes[..at];
            }
            case 3:
            {
                int at = rng.Next(bytes.Length + 1);
                var extra = RawBytes(rng, 32);
                log.Add($"insert@{at}+{extra.Length}");
                return [.. bytes[..at], .. extra, .. bytes[at..]];
            }
            case 4:
            {
                int a = rng.Next(bytes.Length), len = rng.Next(1, Math.Min(64, bytes.Length - a) + 1);
                log.Add($"delete@{a}+{len}");
                return [.. bytes[..a], .. bytes[(a + len)..]];
            }
            case 5:
            {
                // Two messages end to end are merged by protobuf: the leads of both, the scalars of the second.
                var other = ValidSegment(rng, now).ToByteArray();
                log.Add("concat");
                return rng.Next(2) == 0 ? [.. bytes, .. other] : [.. bytes, .. bytes];
            }
            case 6:
            {
                var other = ValidSegment(rng, now).ToByteArray();
                int a = rng.Next(bytes.Length), b = rng.Next(other.Length);
                log.Add($"splice@{a}/{b}");
                return [.. bytes[..a], .. other[b..]];
            }
            default:
            {
                // A length prefix or varint made absurd: overwrite a byte run with 0xFF… (a 10-byte varint) or a huge length.
                var b = (byte[])bytes.Clone();
                int at = rng.Next(b.Length);
                for (int i = at; i < Math.Min(b.Length, at + rng.Next(1, 11)); i++) b[i] = 0xFF;
                log.Add($"varint@{at}");
                return b;
            }
        }
    }

    /// <summary>Random bytes; sometimes shaped like protobuf (tags of the schema's field numbers with random payloads).</summary>
    public static byte[] RawBytes(Random rng, int maxLength = 4096)
    {
        if (rng.Next(3) > 0)
        {
            int n = rng.Next(4) == 0 ? rng.Next(0, maxLength + 1) : rng.Next(0, 64);
            var b = new byte[n];
            rng.NextBytes(b);
            return b;
        }
        using var ms = new MemoryStream();
        var o = new CodedOutputStream(ms);
        int fields = rng.Next(1, 12);
        for (int f = 0; f < fields; f++)
        {
            int number = rng.Next(5) == 0 ? rng.Next(1, 1 << 29) : rng.Next(1, 9);
            int wire = rng.Next(6);
            o.WriteTag(number, wire == 4 ? WireFormat.WireType.EndGroup : (WireFormat.WireType)wire);
            switch (wire)
            {
                case 0: o.WriteUInt64((ulong)rng.NextInt64() * (ulong)rng.Next(1, 3)); break;
                case 1: o.WriteFixed64((ulong)rng.NextInt64()); break;
                case 2:
                {
                    int len = rng.Next(0, 48);
                    var payload = new byte[len];
                    rng.NextBytes(payload);
                    // Sometimes claim more (or much more) than follows.
                    o.WriteUInt32(rng.Next(4) == 0 ? (uint)rng.Next() : (uint)len);
                    o.Flush();
                    ms.Write(payload);
                    break;
                }
                case 3: break;   // start group: the parser must refuse or skip it
                case 5: o.WriteFixed32((uint)rng.Next()); break;
            }
        }
        o.Flush();
        return ms.ToArray();
    }

    /// <summary>A message whose fields all hold random values of the right wire types (decodes; validates rarely).</summary>
    private static byte[] RandomFields(Random rng)
    {
        var s = new EcgSegment
        {
            SchemaVersion = (uint)rng.Next(3),
            PatientId = RandomString(rng, rng.Next(0, 10)),
            DeviceId = RandomString(rng, rng.Next(0, 10)),
            Sequence = (ulong)rng.NextInt64(),
            SampleRateHz = BitConverter.Int64BitsToDouble(rng.NextInt64(long.MinValue, long.MaxValue)),
        };
        if (rng.Next(2) == 0) s.StartTime = new Timestamp { Seconds = rng.NextInt64(long.MinValue, long.MaxValue), Nanos = rng.Next(int.MinValue, int.MaxValue) };
        for (int i = rng.Next(0, 4); i > 0; i--)
        {
            var l = new LeadSamples { Lead = RandomString(rng, rng.Next(0, 5)), Gain = rng.NextDouble() * 1000 - 10, Unit = RandomString(rng, rng.Next(0, 3)), Baseline = rng.Next() };
            for (int k = rng.Next(0, 40); k > 0; k--) l.Samples.Add(rng.Next(int.MinValue, int.MaxValue));
            s.Leads.Add(l);
        }
        return s.ToByteArray();
    }

    /// <summary>Random text: ASCII, C0/C1 controls, other planes and lone surrogates.</summary>
    public static string RandomString(Random rng, int length)
    {
        var sb = new StringBuilder(length);
        for (int i = 0; i < length; i++)
            sb.Append(rng.Next(6) switch
            {
                0 => (char)rng.Next(0, 0x20),
                1 => (char)rng.Next(0x7F, 0xA0),
                2 => (char)rng.Next(0xD800, 0xE000),
                3 => (char)rng.Next(0xA0, 0xFFFF),
                _ => (char)rng.Next(0x20, 0x7F),
            });
        return sb.ToString();
    }

    public static T Pick<T>(Random rng, T[] xs) => xs[rng.Next(xs.Length)];

    /// <summary>Printable form of a fuzzed string for a failure message (controls and surrogates as \uXXXX, capped).</summary>
    public static string Escape(string s, int max = 40)
    {
        var sb = new StringBuilder();
        foreach (char c in s.Length > max ? s[..max] : s)
            sb.Append(c < 0x20 || c is >= '\u007f' and < '\u00a0' || char.IsSurrogate(c) ? $"\\u{(int)c:x4}" : c.ToString());
        if (s.Length > max) sb.Append($"…({s.Length})");
        return sb.ToString();
    }
}
