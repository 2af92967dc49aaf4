using System.Buffers.Binary;
using System.Runtime.InteropServices;
using CGDmer.Onnx.Proto;
using Google.Protobuf;

namespace CGDmer.Onnx;

/// <summary>Builds <see cref="TensorProto"/>s whose payload is <c>raw_data</c>, little-endian, row-major.</summary>
public static class OnnxTensors
{
    public static TensorProto Float(string name, float[] data, params long[] shape)
    {
        CheckCount(name, data.Length, shape);
        byte[] raw;
        if (BitConverter.IsLittleEndian)
        {
            raw = MemoryMarshal.AsBytes(data.AsSpan()).ToArray();
        }
        else
        {
            raw = new byte[data.Length * 4];
            for (int i = 0; i < data.Length; i++)
                BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * 4), data[i]);
        }
        return Make(name, ElementType.Float, raw, shape);
    }

    public static TensorProto Int64(string name, long[] data, params long[] shape)
    {
        CheckCount(name, data.Length, shape);
        byte[] raw;
        if (BitConverter.IsLittleEndian)
        {
            raw = MemoryMarshal.AsBytes(data.AsSpan()).ToArray();
        }
        else
        {
            raw = new byte[data.Length * 8];
            for (int i = 0; i < data.Length; i++)
                BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(i * 8), data[i]);
        }
        return Make(name, ElementType.Int64, raw, shape);
    }

    public static TensorProto Bool(string name, bool[] data, params long[] shape)
    {
        CheckCount(name, data.Length, shape);
        var raw = new byte[data.Length];
        for (int i = 0; i < data.Length; i++) raw[i] = data[i] ? (byte)1 : (byte)0;
        return Make(name, ElementType.Bool, raw, shape);
    }

    private static TensorProto Make(string name, ElementType type, byte[] raw, long[] shape)
    {
        var t = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(raw) };
        t.Dims.AddRange(shape);
        return t;
    }

    private static void CheckCount(string name, int count, long[] shape)
    {
        long expected = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new ArgumentException($"Tensor '{name}': negative dimension {d} in shape [{string.Join(",", shape)}].");
            expected *= d;
        }
        if (expected != count)
            throw new ArgumentException($"Tensor '{name}': shape [{string.Join(",", shape)}] holds {expected} elements but {count} were given.");
    }
}
