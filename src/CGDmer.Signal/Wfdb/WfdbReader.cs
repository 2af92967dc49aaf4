using System.Buffers.Binary;

namespace CGDmer.Signal.Wfdb;

/// <summary>
/// Reads single-segment WFDB records (header + multiplexed signal files in formats 212, 16 or 80) and verifies them against
/// the header's checksums and initial values. Verification is on unless a caller passes <see cref="WfdbReadOptions"/> that
/// turn it off: a truncated download or a mis-decoded format produces signals that look like ECG but are not, and nothing
/// downstream would notice. Only dataset loaders that know a dataset's headers carry meaningless values there do so.
/// </summary>
public static class WfdbReader
{
    /// <summary>Marker WFDB stores for "no valid sample" in format 16; mapped to NaN in physical units.</summary>
    public const short InvalidSample16 = short.MinValue;

    /// <summary>Marker WFDB stores for "no valid sample" in format 212; mapped to NaN in physical units.</summary>
    public const short InvalidSample212 = -2048;

    /// <summary>Reads <c>path.hea</c> and the signal files it names (resolved next to the header).</summary>
    /// <param name="recordPathWithoutExtension">e.g. <c>data/mitbih/201</c> or <c>records100/00000/00001_lr</c>.</param>
    public static WfdbRecord Read(string recordPathWithoutExtension) => Read(recordPathWithoutExtension, WfdbReadOptions.Default);

    /// <summary>Reads <c>path.hea</c> and its signal files, checking only what <paramref name="options"/> asks for.</summary>
    public static WfdbRecord Read(string recordPathWithoutExtension, WfdbReadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var header = ReadHeader(recordPathWithoutExtension);
        return Read(header, recordPathWithoutExtension + ".hea", options);
    }

    /// <summary>Reads the signals of a header parsed from <paramref name="headerPath"/>, resolving its files next to it.</summary>
    internal static WfdbRecord Read(WfdbHeader header, string headerPath, WfdbReadOptions options) =>
        Read(header, file =>
        {
            string p = SignalFilePath(headerPath, file);
            if (!File.Exists(p)) throw new WfdbFormatException(headerPath, $"signal file '{file}' not found at {p}.");
            return new FileStream(p, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        }, file => SignalFilePath(headerPath, file), options);

    /// <summary>
    /// Where a signal file named in a header lives: inside the header's folder. A name that is rooted or leads out of it
    /// (<c>/etc/passwd</c>, <c>../x.dat</c>) is refused with a <see cref="WfdbFormatException"/> naming the header, so a
    /// record file cannot make the reader open anything else.
    /// </summary>
    internal static string SignalFilePath(string headerPath, string file)
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(headerPath)) ?? Path.GetFullPath(".");
        if (string.IsNullOrEmpty(file) || Path.IsPathRooted(file) || file.Contains('\\') || file.Contains('\0'))
            throw new WfdbFormatException(headerPath, $"signal file name '{file}' must be a file in the record's folder.");
        string full = Path.GetFullPath(Path.Combine(folder, file));
        string inside = Path.EndsInDirectorySeparator(folder) ? folder : folder + Path.DirectorySeparatorChar;
        if (!full.StartsWith(inside, StringComparison.Ordinal))
            throw new WfdbFormatException(headerPath, $"signal file name '{file}' leads out of the record's folder.");
        return full;
    }

    /// <summary>Parses <c>path.hea</c> only (no signal file is opened); <see cref="FileNotFoundException"/> when it is missing.</summary>
    public static WfdbHeader ReadHeader(string recordPathWithoutExtension)
    {
        ArgumentException.ThrowIfNullOrEmpty(recordPathWithoutExtension);
        string headerPath = recordPathWithoutExtension + ".hea";
        if (!File.Exists(headerPath)) throw new FileNotFoundException($"WFDB header not found: {headerPath}", headerPath);
        using var reader = new StreamReader(headerPath);
        return WfdbHeaderParser.Parse(reader, headerPath);
    }

    /// <summary>Reads a record from a header stream; <paramref name="openSignalFile"/> opens a signal file by the name the header gives.</summary>
    public static WfdbRecord Read(Stream header, Func<string, Stream> openSignalFile, string sourceName = "<header>")
    {
        ArgumentNullException.ThrowIfNull(header);
        using var reader = new StreamReader(header, leaveOpen: true);
        return Read(WfdbHeaderParser.Parse(reader, sourceName), openSignalFile);
    }

    /// <summary>Reads a record whose signals all live in one file (the usual case), from two streams.</summary>
    public static WfdbRecord Read(Stream header, Stream signalFile, string sourceName = "<header>") =>
        Read(header, _ => new NonClosingStream(signalFile), sourceName);

    /// <summary>Reads the signals of an already-parsed header.</summary>
    public static WfdbRecord Read(WfdbHeader header, Func<string, Stream> openSignalFile) =>
        Read(header, openSignalFile, f => f, WfdbReadOptions.Default);

    /// <summary>Reads the signals of an already-parsed header, checking only what <paramref name="options"/> asks for.</summary>
    public static WfdbRecord Read(WfdbHeader header, Func<string, Stream> openSignalFile, WfdbReadOptions options) =>
        Read(header, openSignalFile, f => f, options);

    private static WfdbRecord Read(WfdbHeader header, Func<string, Stream> openSignalFile, Func<string, string> displayName,
                                   WfdbReadOptions options)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(openSignalFile);
        ArgumentNullException.ThrowIfNull(options);
        int nsig = header.SignalCount;
        if (nsig == 0) throw new WfdbFormatException(header.RecordName, "record has no signals.");

        // Group signals by file, keeping the header order inside each file: that order is the multiplexing order.
        var groups = new List<(string File, List<int> Signals)>();
        for (int i = 0; i < nsig; i++)
        {
            var file = header.Signals[i].FileName;
            int g = groups.FindIndex(x => x.File == file);
            if (g < 0) groups.Add((file, [i]));
            else groups[g].Signals.Add(i);
        }

        var raw = new short[nsig][];
        long length = -1;
        foreach (var (file, signals) in groups)
        {
            string name = displayName(file);
            var first = header.Signals[signals[0]];
            foreach (int s in signals)
                if (header.Signals[s].Format != first.Format || header.Signals[s].ByteOffset != first.ByteOffset)
                    throw new WfdbFormatException(name, "signals multiplexed in one file must share format and byte offset.");
            byte[] bytes;
            try
            {
                using var stream = openSignalFile(file);
                bytes = ReadAll(stream);
            }
            catch (IOException e)
            {
                throw new WfdbFormatException(name, $"cannot read signal file: {e.Message}", e);
            }
            var data = bytes.AsSpan(Math.Min(first.ByteOffset, bytes.Length));
            int k = signals.Count;
            long availableFrames = first.Format switch
            {
                WfdbStorageFormat.Format212 => data.Length * 2L / 3 / k,
                WfdbStorageFormat.Format16 => data.Length / 2 / k,
                _ => data.Length / k,
            };
            long frames = header.SampleCount > 0 ? header.SampleCount : availableFrames;
            if (frames > availableFrames)
                throw new WfdbFormatException(name,
                    $"file is truncated: header announces {header.SampleCount} samples per signal, the file holds {availableFrames}.");
            if (frames > Array.MaxLength / 2)
                throw new WfdbFormatException(name, $"record too long ({frames} samples per signal).");
            if (length >= 0 && frames != length)
                throw new WfdbFormatException(name, "signal files of one record hold different numbers of samples.");
            length = frames;
            var dest = new short[k][];
            for (int j = 0; j < k; j++) dest[j] = new short[frames];
            Decode(first.Format, data, dest, (int)frames);
            for (int j = 0; j < k; j++) raw[signals[j]] = dest[j];
            Verify(header, signals, dest, name, options);
        }

        var channels = new EcgChannel[nsig];
        for (int i = 0; i < nsig; i++)
        {
            var spec = header.Signals[i];
            channels[i] = new EcgChannel(spec.Description, Leads.TryParse(spec.Description, out var lead) ? lead : null,
                ToPhysical(raw[i], spec));
        }
        var ecg = new EcgRecord(header.RecordName, header.SampleRateHz, channels, header.StartTime);
        return new WfdbRecord(header, raw, ecg);
    }

    private static void Verify(WfdbHeader header, List<int> signals, short[][] dest, string name, WfdbReadOptions options)
    {
        // Checksums cover the whole signal, so they can only be checked when the header's sample count was honoured.
        for (int j = 0; j < signals.Count; j++)
        {
            var spec = header.Signals[signals[j]];
            var samples = dest[j];
            if (options.VerifyInitialValues && spec.InitialValue is { } init && samples.Length > 0 && samples[0] != init)
                throw new WfdbFormatException(name,
                    $"initial value mismatch for signal {signals[j]} ('{spec.Description}'): header says {init}, file has {samples[0]}.");
            if (options.VerifyChecksums && spec.Checksum is { } expected)
            {
                short actual = Checksum(samples);
                if (actual != unchecked((short)expected))
                    throw new WfdbFormatException(name,
                        $"checksum mismatch for signal {signals[j]} ('{spec.Description}'): header says {expected}, data sums to {actual}.");
            }
        }
    }

    /// <summary>The WFDB checksum: the sum of all samples of a signal, truncated to a signed 16-bit value.</summary>
    public static short Checksum(ReadOnlySpan<short> samples)
    {
        int sum = 0;
        foreach (var s in samples) sum += s; // wraps like WFDB's 16-bit accumulator; only the low 16 bits matter
        return unchecked((short)sum);
    }

    private static float[] ToPhysical(short[] raw, WfdbSignalSpec spec)
    {
        // EcgRecord is in mV; rescale the other voltage units WFDB headers use so callers never see mixed units.
        double unitScale = spec.Units switch
        {
            "uV" or "µV" or "microV" => 1e-3,
            "V" => 1e3,
            _ => 1.0,
        };
        short invalid = spec.Format switch
        {
            WfdbStorageFormat.Format212 => InvalidSample212,
            WfdbStorageFormat.Format16 => InvalidSample16,
            _ => short.MinValue, // format 80 has no invalid code that fits; -128 is a valid value
        };
        double scale = unitScale / spec.Gain;
        double baseline = spec.Baseline;
        var result = new float[raw.Length];
        for (int i = 0; i < raw.Length; i++)
        {
            short v = raw[i];
            result[i] = v == invalid ? float.NaN : (float)((v - baseline) * scale);
        }
        return result;
    }

    private static void Decode(WfdbStorageFormat format, ReadOnlySpan<byte> data, short[][] dest, int frames)
    {
        int k = dest.Length;
        long total = (long)frames * k;
        switch (format)
        {
            case WfdbStorageFormat.Format16:
                if (k == 1)
                {
                    var d0 = dest[0];
                    for (int i = 0; i < frames; i++) d0[i] = BinaryPrimitives.ReadInt16LittleEndian(data.Slice(2 * i, 2));
                }
                else
                {
                    int p = 0;
                    for (int t = 0; t < frames; t++)
                        for (int c = 0; c < k; c++, p += 2)
                            dest[c][t] = (short)(data[p] | (data[p + 1] << 8));
                }
                break;
            case WfdbStorageFormat.Format80:
            {
                int p = 0;
                for (int t = 0; t < frames; t++)
                    for (int c = 0; c < k; c++)
                        dest[c][t] = (short)(data[p++] - 128);
                break;
            }
            case WfdbStorageFormat.Format212:
            {
                // Samples are packed in pairs across the whole multiplexed stream, regardless of frame boundaries:
                // byte0 = low 8 bits of s0, byte1 = high nibble of s1 | high nibble of s0, byte2 = low 8 bits of s1.
                int p = 0, c = 0, t = 0;
                long s = 0;
                if (k == 2)
                {
                    var a = dest[0];
                    var b = dest[1];
                    for (; t < frames; t++, p += 3)
                    {
                        int b1 = data[p + 1];
                        a[t] = SignExtend12(data[p] | ((b1 & 0x0F) << 8));
                        b[t] = SignExtend12(data[p + 2] | ((b1 & 0xF0) << 4));
                    }
                    break;
                }
                while (s < total)
                {
                    int b1 = data[p + 1];
                    dest[c][t] = SignExtend12(data[p] | ((b1 & 0x0F) << 8));
                    s++;
                    if (++c == k) { c = 0; t++; }
                    if (s < total)
                    {
                        dest[c][t] = SignExtend12(data[p + 2] | ((b1 & 0xF0) << 4));
                        s++;
                        if (++c == k) { c = 0; t++; }
                    }
                    p += 3;
                }
                break;
            }
            default:
                throw new NotSupportedException(format.ToString());
        }
    }

    private static short SignExtend12(int v) => (short)((v << 20) >> 20);

    private static byte[] ReadAll(Stream stream)
    {
        if (stream.CanSeek)
        {
            long remaining = stream.Length - stream.Position;
            var buf = new byte[remaining];
            stream.ReadExactly(buf);
            return buf;
        }
        using var ms = new MemoryStream();
        stream.CopyTo(ms);
        return ms.ToArray();
    }

    /// <summary>Lets the two-stream overload hand the caller's stream to the reader without the reader disposing it.</summary>
    private sealed class NonClosingStream(Stream inner) : Stream
    {
        public override bool CanRead => inner.CanRead;
        public override bool CanSeek => inner.CanSeek;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => inner.Position = value; }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override int Read(Span<byte> buffer) => inner.Read(buffer);
        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
