using System.Text;

namespace CGDmer.Transports.Hl7.Er7;

/// <summary>
/// Assembles a message: the MSH segment from its fields 3 onwards (MSH-1 and MSH-2 are the delimiters), then the
/// segments in order, each terminated by a carriage return.
/// </summary>
public sealed class Er7MessageBuilder
{
    private readonly StringBuilder _text = new(1024);

    /// <param name="msh">The MSH segment with fields numbered as in the standard; fields 1 and 2 must not be set.</param>
    public Er7MessageBuilder(Er7Segment msh)
    {
        ArgumentNullException.ThrowIfNull(msh);
        if (msh.Id != "MSH") throw new ArgumentException("a message starts with its MSH segment", nameof(msh));
        // Er7Segment writes "MSH|||f3|…" (fields 1 and 2 empty); MSH-1 is the first '|' itself and MSH-2 the encoding
        // characters, so the text from the third '|' on follows "MSH|^~\&".
        string text = msh.ToString();
        if (!text.StartsWith("MSH|||", StringComparison.Ordinal) || text.Length == 6)
            throw new ArgumentException("MSH-1 and MSH-2 are written by the builder; set fields from 3 on", nameof(msh));
        _text.Append("MSH").Append(Er7.FieldSeparator).Append(Er7.EncodingCharacters).Append(text.AsSpan(5)).Append(Er7.SegmentTerminator);
    }

    public Er7MessageBuilder Add(Er7Segment segment)
    {
        ArgumentNullException.ThrowIfNull(segment);
        if (segment.Id == "MSH") throw new ArgumentException("a message has one MSH segment", nameof(segment));
        _text.Append(segment.ToString()).Append(Er7.SegmentTerminator);
        return this;
    }

    /// <summary>The message's text: segments each terminated by CR.</summary>
    public override string ToString() => _text.ToString();
}
