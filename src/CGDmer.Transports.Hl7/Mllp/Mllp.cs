using System.Buffers;
using System.Text;

namespace CGDmer.Transports.Hl7.Mllp;

/// <summary>
/// The Minimal Lower Layer Protocol (HL7 v2 Transport Specification: MLLP, release 2): each message is sent as
/// <c>&lt;VT&gt; message &lt;FS&gt;&lt;CR&gt;</c>, UTF-8 here (MSH-18 says so).
/// </summary>
public static class Mllp
{
    public const byte StartBlock = 0x0B;
    public const byte EndBlock = 0x1C;
    public const byte CarriageReturn = 0x0D;

    /// <summary>Largest frame read back (an acknowledgement is a few hundred bytes; anything this large is not one).</summary>
    public const int MaxFrameBytes = 1 << 20;

    /// <summary>The message framed for the wire.</summary>
    public static byte[] Frame(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        int length = Encoding.UTF8.GetByteCount(message);
        var frame = new byte[length + 3];
        frame[0] = StartBlock;
        Encoding.UTF8.GetBytes(message, frame.AsSpan(1));
        frame[^2] = EndBlock;
        frame[^1] = CarriageReturn;
        return frame;
    }

    /// <summary>
    /// Reads one frame from <paramref name="stream"/> and returns its content. Bytes before the start block are skipped
    /// (MLLP receivers may send keep-alive newlines).
    /// </summary>
    /// <exception cref="EndOfStreamException">The peer closed the connection before a whole frame arrived.</exception>
    /// <exception cref="InvalidDataException">The frame is larger than <see cref="MaxFrameBytes"/>, or a start block appears inside it.</exception>
    public static async Task<string> ReadFrameAsync(Stream stream, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var one = new byte[1];
        var content = new ArrayBufferWriter<byte>(512);
        bool started = false, sawEnd = false;
        while (true)
        {
            int n = await stream.ReadAsync(one, cancel).ConfigureAwait(false);
            if (n == 0) throw new EndOfStreamException(started ? "the peer closed the connection inside an MLLP frame" : "the peer closed the connection");
            byte b = one[0];
            if (!started)
            {
                started = b == StartBlock;
                continue;
            }
            if (sawEnd)
            {
                if (b == CarriageReturn) return Encoding.UTF8.GetString(content.WrittenSpan);
                content.Write([EndBlock]);   // FS not followed by CR is content (MLLP forbids it, so be strict below)
                sawEnd = false;
            }
            if (b == EndBlock) { sawEnd = true; continue; }
            if (b == StartBlock) throw new InvalidDataException("an MLLP start block inside a frame");
            if (content.WrittenCount >= MaxFrameBytes) throw new InvalidDataException($"an MLLP frame over {MaxFrameBytes} bytes");
            content.Write([b]);
        }
    }
}
