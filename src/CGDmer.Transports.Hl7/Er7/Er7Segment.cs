using System.Text;

namespace CGDmer.Transports.Hl7.Er7;

/// <summary>
/// Builds one segment field by field, in order: <c>Field(n, …)</c> sets field n (1-based, after the segment id), leaving
/// the skipped ones empty (unless MSH, where MSH-1 and MSH-2 are written by the message builder). Values are escaped here; components and repetitions are joined with their delimiters, and
/// trailing empty components are dropped. MSH is written by <see cref="Er7MessageBuilder"/>, whose MSH-1 and MSH-2 are not
/// ordinary fields.
/// </summary>
public sealed class Er7Segment
{
    private readonly StringBuilder _text;
    private int _field;

    public Er7Segment(string id)
    {
        if (id is not { Length: 3 } || !id.All(c => c is >= 'A' and <= 'Z' or >= '0' and <= '9'))
            throw new ArgumentException($"'{id}' is not a segment id (three upper-case letters or digits)", nameof(id));
        Id = id;
        _text = new StringBuilder(id, 128);
    }

    public string Id { get; }

    /// <summary>Sets field <paramref name="n"/> to one primitive value (escaped); null or empty leaves it empty.</summary>
    public Er7Segment Field(int n, string? value) => Field(n, [value]);

    /// <summary>Sets field <paramref name="n"/> to one value of components (each escaped); trailing empty ones are dropped.</summary>
    public Er7Segment Field(int n, params string?[] components)
    {
        MoveTo(n);
        AppendComponents(components);
        return this;
    }

    /// <summary>Sets field <paramref name="n"/> to repetitions, each a list of components.</summary>
    public Er7Segment Repeated(int n, params string?[][] repetitions)
    {
        MoveTo(n);
        for (int r = 0; r < repetitions.Length; r++)
        {
            if (r > 0) _text.Append(Er7.RepetitionSeparator);
            AppendComponents(repetitions[r]);
        }
        return this;
    }

    /// <summary>The segment's text, without its terminator or trailing empty fields (chapter 2.5.3: they may be omitted).</summary>
    public override string ToString()
    {
        int end = _text.Length;
        while (end > 3 && _text[end - 1] == Er7.FieldSeparator) end--;
        return _text.ToString(0, end);
    }

    private void MoveTo(int n)
    {
        if (n <= _field) throw new ArgumentOutOfRangeException(nameof(n), n, $"{Id} fields must be set in ascending order (last was {_field})");
        for (; _field < n; _field++) _text.Append(Er7.FieldSeparator);
    }

    private void AppendComponents(string?[] components)
    {
        int last = components.Length - 1;
        while (last >= 0 && string.IsNullOrEmpty(components[last])) last--;
        for (int c = 0; c <= last; c++)
        {
            if (c > 0) _text.Append(Er7.ComponentSeparator);
            if (components[c] is { Length: > 0 } v) _text.Append(Er7.Escape(v));
        }
    }
}
