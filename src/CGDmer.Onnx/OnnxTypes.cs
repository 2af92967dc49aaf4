using CGDmer.Onnx.Proto;
using Google.Protobuf;

namespace CGDmer.Onnx;

/// <summary>Element types the builder writes; the values are ONNX <c>TensorProto.DataType</c> codes.</summary>
public enum ElementType
{
    Float = 1,
    Int32 = 6,
    Int64 = 7,
    Bool = 9,
    Float16 = 10,
    Double = 11,
}

/// <summary>
/// One dimension of a declared graph input or output: a fixed size (<c>256</c>), a symbolic name
/// (<c>"batch"</c>), or <see cref="Unknown"/>. Converts implicitly from <see cref="int"/>, <see cref="long"/>
/// and <see cref="string"/>, so shapes read as <c>AddInput("x", ElementType.Float, "batch", "tokens", 256)</c>.
/// </summary>
public readonly record struct Dim(long? Value, string? Param)
{
    public static Dim Unknown => default;
    public static Dim Fixed(long value) => new(value, null);
    public static Dim Symbolic(string name) => new(null, name);
    public static implicit operator Dim(int value) => Fixed(value);
    public static implicit operator Dim(long value) => Fixed(value);
    public static implicit operator Dim(string name) => Symbolic(name);
    public override string ToString() => Value?.ToString() ?? Param ?? "?";
}

/// <summary>Factories for node attributes.</summary>
public static class OnnxAttr
{
    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    public static AttributeProto Floats(string name, params float[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Floats };
        a.Floats.AddRange(values);
        return a;
    }

    public static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    public static AttributeProto Tensor(string name, TensorProto value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Tensor, T = value };
}
