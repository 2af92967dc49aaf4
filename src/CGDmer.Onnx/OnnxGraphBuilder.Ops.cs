namespace CGDmer.Onnx;

// Typed single-op helpers. Each returns the name of its output value. The optional `name` argument is a
// naming hint for the node (and its output); by default the op type is used.
public sealed partial class OnnxGraphBuilder
{
    // ---------------------------------------------------------------- elementwise, binary (numpy broadcasting)

    public string MatMul(string a, string b, string? name = null) => Node("MatMul", [a, b], name);
    public string Add(string a, string b, string? name = null) => Node("Add", [a, b], name);
    public string Sub(string a, string b, string? name = null) => Node("Sub", [a, b], name);
    public string Mul(string a, string b, string? name = null) => Node("Mul", [a, b], name);
    public string Div(string a, string b, string? name = null) => Node("Div", [a, b], name);
    public string Pow(string x, string exponent, string? name = null) => Node("Pow", [x, exponent], name);
    public string Equal(string a, string b, string? name = null) => Node("Equal", [a, b], name);
    public string Max(string a, string b, string? name = null) => Node("Max", [a, b], name);
    public string Max(IReadOnlyList<string> inputs, string? name = null) => Node("Max", inputs, name);
    public string Min(string a, string b, string? name = null) => Node("Min", [a, b], name);

    /// <summary>Where(condition, x, y): x where condition (bool) is true, else y.</summary>
    public string Where(string condition, string x, string y, string? name = null) => Node("Where", [condition, x, y], name);

    // ---------------------------------------------------------------- elementwise, unary

    public string Sqrt(string x, string? name = null) => Node("Sqrt", [x], name);
    public string Erf(string x, string? name = null) => Node("Erf", [x], name);
    public string Sigmoid(string x, string? name = null) => Node("Sigmoid", [x], name);
    public string Tanh(string x, string? name = null) => Node("Tanh", [x], name);
    public string Relu(string x, string? name = null) => Node("Relu", [x], name);
    public string Exp(string x, string? name = null) => Node("Exp", [x], name);
    public string Neg(string x, string? name = null) => Node("Neg", [x], name);
    public string Not(string x, string? name = null) => Node("Not", [x], name);
    public string Identity(string x, string? name = null) => Node("Identity", [x], name);

    /// <summary>Cast to <paramref name="to"/>.</summary>
    public string Cast(string x, ElementType to, string? name = null) =>
        Node("Cast", [x], name, OnnxAttr.Int("to", (long)to));

    /// <summary>Clip(x, min, max); a null bound is omitted (unbounded on that side).</summary>
    public string Clip(string x, float? min, float? max, string? name = null) =>
        Node("Clip", [x, min is float lo ? ConstFloat(lo) : "", max is float hi ? ConstFloat(hi) : ""], name);

    /// <summary>Softmax along one axis (opset 13+ semantics: normalizes over that axis only).</summary>
    public string Softmax(string x, long axis = -1, string? name = null) =>
        Node("Softmax", [x], name, OnnxAttr.Int("axis", axis));

    // ---------------------------------------------------------------- shape manipulation

    /// <summary>
    /// Reshape to a constant target shape. 0 copies the input's dimension at that position (allowzero=0),
    /// -1 is inferred (at most one). E.g. [0, 0, heads, headDim] keeps batch and tokens dynamic.
    /// </summary>
    public string Reshape(string x, long[] shape, string? name = null) => Node("Reshape", [x, ConstInt64s(shape)], name);

    /// <summary>Reshape to a shape computed in the graph (a 1-D int64 value).</summary>
    public string Reshape(string x, string shape, string? name = null) => Node("Reshape", [x, shape], name);

    public string Transpose(string x, long[] perm, string? name = null) =>
        Node("Transpose", [x], name, OnnxAttr.Ints("perm", perm));

    public string Concat(IReadOnlyList<string> inputs, long axis, string? name = null) =>
        Node("Concat", inputs, name, OnnxAttr.Int("axis", axis));

    /// <summary>Unsqueeze (opset 13+: axes as an int64 input).</summary>
    public string Unsqueeze(string x, long[] axes, string? name = null) => Node("Unsqueeze", [x, ConstInt64s(axes)], name);

    /// <summary>Squeeze the given axes (opset 13+: axes as an int64 input).</summary>
    public string Squeeze(string x, long[] axes, string? name = null) => Node("Squeeze", [x, ConstInt64s(axes)], name);

    /// <summary>Gather along <paramref name="axis"/> with an indices value (int64 or int32).</summary>
    public string Gather(string data, string indices, long axis = 0, string? name = null) =>
        Node("Gather", [data, indices], name, OnnxAttr.Int("axis", axis));

    /// <summary>Gather one constant index: removes <paramref name="axis"/> (like x[..., index, ...]).</summary>
    public string Gather(string data, long index, long axis = 0, string? name = null) =>
        Gather(data, ConstInt64(index), axis, name);

    /// <summary>Slice with constant starts/ends (and optional axes/steps); ends may be long.MaxValue for "to the end".</summary>
    public string Slice(string x, long[] starts, long[] ends, long[]? axes = null, long[]? steps = null, string? name = null)
    {
        var inputs = new List<string> { x, ConstInt64s(starts), ConstInt64s(ends) };
        if (axes is not null || steps is not null) inputs.Add(axes is null ? "" : ConstInt64s(axes));
        if (steps is not null) inputs.Add(ConstInt64s(steps));
        return Node("Slice", inputs, name);
    }

    /// <summary>
    /// Slice with starts/ends (and optional axes/steps) computed in the graph (1-D int64 values), e.g. taking the
    /// first T rows of a position table: <c>Slice(table, ConstInt64s(0), Shape(x, 1, 2), ConstInt64s(0))</c>.
    /// </summary>
    public string Slice(string x, string starts, string ends, string? axes = null, string? steps = null, string? name = null)
    {
        var inputs = new List<string> { x, starts, ends };
        if (axes is not null || steps is not null) inputs.Add(axes ?? "");
        if (steps is not null) inputs.Add(steps);
        return Node("Slice", inputs, name);
    }

    /// <summary>Expand (broadcast) to a constant shape.</summary>
    public string Expand(string x, long[] shape, string? name = null) => Node("Expand", [x, ConstInt64s(shape)], name);

    /// <summary>Expand (broadcast) to a shape computed in the graph (a 1-D int64 value, e.g. from <see cref="Shape"/>).</summary>
    public string Expand(string x, string shape, string? name = null) => Node("Expand", [x, shape], name);

    /// <summary>The int64 shape of x, optionally the dims [start, end) (opset 15+ attributes).</summary>
    public string Shape(string x, long? start = null, long? end = null, string? name = null)
    {
        if ((start is not null || end is not null) && Opset < 15)
            throw new NotSupportedException("Shape start/end need opset 15 or later.");
        var attrs = new List<Proto.AttributeProto>();
        if (start is long s) attrs.Add(OnnxAttr.Int("start", s));
        if (end is long e) attrs.Add(OnnxAttr.Int("end", e));
        return Node("Shape", [x], name, [.. attrs]);
    }

    // ---------------------------------------------------------------- reductions

    /// <summary>ReduceSum over <paramref name="axes"/> (opset 13+: axes as an input).</summary>
    public string ReduceSum(string x, long[] axes, bool keepDims = true, string? name = null) =>
        Node("ReduceSum", [x, ConstInt64s(axes)], name, OnnxAttr.Int("keepdims", keepDims ? 1 : 0));

    /// <summary>ReduceMean over <paramref name="axes"/> (attribute up to opset 17, input from opset 18).</summary>
    public string ReduceMean(string x, long[] axes, bool keepDims = true, string? name = null) =>
        Opset >= 18
            ? Node("ReduceMean", [x, ConstInt64s(axes)], name, OnnxAttr.Int("keepdims", keepDims ? 1 : 0))
            : Node("ReduceMean", [x], name, OnnxAttr.Ints("axes", axes), OnnxAttr.Int("keepdims", keepDims ? 1 : 0));
}
