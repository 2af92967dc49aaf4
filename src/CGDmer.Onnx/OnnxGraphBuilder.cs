using CGDmer.Onnx.Proto;
using Google.Protobuf;

namespace CGDmer.Onnx;

/// <summary>
/// Writes an ONNX inference graph by hand. Every op helper returns the name of the value it produces,
/// so an exporter reads like the forward pass:
/// <code>
/// var b = new OnnxGraphBuilder("encoder");
/// var x = b.AddInput("x", ElementType.Float, "batch", "tokens", 256);
/// var h = b.Linear(x, w, b_, outFeatures: 512, inFeatures: 256);
/// b.AddOutput("y", b.Gelu(h), ElementType.Float, "batch", "tokens", 512);
/// b.Save("model.onnx");
/// </code>
/// Only the default ONNX domain ("") is used. The opset is fixed at construction because several ops
/// (ReduceMean, ReduceSum, Squeeze, Unsqueeze, Clip) changed signature between opsets; the helpers write the
/// form that matches it. Supported opsets: 13 to 21 (LayerNormalization needs 17 or later).
/// <para>Naming: graph inputs and outputs keep their exact names. Generated names carry the current
/// <see cref="Scope"/> prefix ("layers.0/self_attn/..."): node outputs are "{node}_output_0", initializers
/// "{hint}" or "{hint}_N", shared constants "const_*". Node names live in their own namespace.</para>
/// </summary>
public sealed partial class OnnxGraphBuilder
{
    public const int DefaultOpset = 17;

    /// <summary>
    /// The lowest ir_version that may carry <paramref name="opset"/> (ONNX release table):
    /// opsets 13-14 → 7, 15-18 → 8, 19-20 → 9, 21 → 10.
    /// </summary>
    public static int MinIrVersion(int opset) => opset switch { <= 14 => 7, <= 18 => 8, <= 20 => 9, _ => 10 };

    private readonly GraphProto _graph;
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);       // value names (inputs, initializers, node outputs)
    private readonly HashSet<string> _nodeNames = new(StringComparer.Ordinal);   // node names: a separate namespace in ONNX
    private readonly Dictionary<string, int> _counters = new(StringComparer.Ordinal);
    private readonly Dictionary<(ElementType, string), string> _constantCache = new();
    private readonly List<KeyValuePair<string, string>> _metadata = new();
    private readonly Stack<string> _scopes = new();

    public OnnxGraphBuilder(string graphName = "main", int opset = DefaultOpset)
    {
        if (opset < 13 || opset > 21)
            throw new ArgumentOutOfRangeException(nameof(opset), opset, "Supported opsets are 13 to 21.");
        Opset = opset;
        _graph = new GraphProto { Name = graphName };
    }

    /// <summary>The default-domain opset every node is written for.</summary>
    public int Opset { get; }

    public string ProducerName { get; set; } = "CGDmer.Streaming";
    public string ProducerVersion { get; set; } = "";
    public string Domain { get; set; } = "";
    public long ModelVersion { get; set; }
    /// <summary>Model-level doc_string (ONNX Runtime reports it as <c>ModelMetadata.Description</c>).</summary>
    public string DocString { get; set; } = "";
    public string GraphDocString { get => _graph.DocString; set => _graph.DocString = value; }

    /// <summary>Number of nodes written so far.</summary>
    public int NodeCount => _graph.Node.Count;
    /// <summary>Number of initializers written so far.</summary>
    public int InitializerCount => _graph.Initializer.Count;

    /// <summary>Adds a metadata_props entry (key/value strings; keys should be unique).</summary>
    public OnnxGraphBuilder AddMetadata(string key, string value)
    {
        if (_metadata.Any(kv => kv.Key == key))
            throw new ArgumentException($"Metadata key '{key}' was already added.", nameof(key));
        _metadata.Add(new(key, value));
        return this;
    }

    // ---------------------------------------------------------------- names

    /// <summary>
    /// Prefixes every generated name (nodes, values, initializers) with <paramref name="prefix"/> + "/"
    /// until the returned scope is disposed. Scopes nest. Graph input/output names are never prefixed.
    /// </summary>
    public IDisposable Scope(string prefix)
    {
        _scopes.Push(prefix);
        return new PopScope(this);
    }

    private sealed class PopScope(OnnxGraphBuilder owner) : IDisposable
    {
        private bool _done;
        public void Dispose()
        {
            if (_done) return;
            _done = true;
            owner._scopes.Pop();
        }
    }

    /// <summary>
    /// Returns a graph-unique value name built from <paramref name="hint"/> (prefixed by the current scope) and
    /// reserves it: "hint", then "hint_1", "hint_2", ...
    /// </summary>
    public string UniqueName(string hint) => UniqueIn(_names, Scoped(hint));

    private string Scoped(string hint) => _scopes.Count == 0 ? hint : string.Join("/", _scopes.Reverse()) + "/" + hint;

    private string UniqueIn(HashSet<string> set, string baseName)
    {
        if (set.Add(baseName)) return baseName;
        var key = (set == _nodeNames ? "node:" : "value:") + baseName;
        _counters.TryGetValue(key, out int n);
        string candidate;
        do { n++; candidate = $"{baseName}_{n}"; } while (set.Contains(candidate));
        _counters[key] = n;
        set.Add(candidate);
        return candidate;
    }

    private void ReserveExact(string name)
    {
        if (string.IsNullOrEmpty(name)) throw new ArgumentException("Names must be non-empty.");
        if (!_names.Add(name)) throw new ArgumentException($"The name '{name}' is already used in this graph.");
    }

    // ---------------------------------------------------------------- inputs, outputs, initializers

    /// <summary>Declares a graph input with the exact <paramref name="name"/>; returns it.</summary>
    public string AddInput(string name, ElementType type, params Dim[] dims)
    {
        ReserveExact(name);
        _graph.Input.Add(ValueInfo(name, type, dims));
        return name;
    }

    /// <summary>Declares <paramref name="value"/> (a node output) as a graph output under its own name.</summary>
    public string AddOutput(string value, ElementType type, params Dim[] dims)
    {
        if (!_names.Contains(value)) throw new ArgumentException($"Output '{value}' is not a known value of this graph.");
        _graph.Output.Add(ValueInfo(value, type, dims));
        return value;
    }

    /// <summary>
    /// Declares a graph output with the exact <paramref name="name"/>, computed as Identity(<paramref name="value"/>).
    /// </summary>
    public string AddOutput(string name, string value, ElementType type, params Dim[] dims)
    {
        if (!_names.Contains(value)) throw new ArgumentException($"Output source '{value}' is not a known value of this graph.");
        ReserveExact(name);
        _graph.Node.Add(MakeNode("Identity", [value], [name], UniqueIn(_nodeNames, "output/" + name), []));
        _graph.Output.Add(ValueInfo(name, type, dims));
        return name;
    }

    private static ValueInfoProto ValueInfo(string name, ElementType type, Dim[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
        {
            var dim = new TensorShapeProto.Types.Dimension();
            if (d.Value is long v) dim.DimValue = v;
            else if (d.Param is string p) dim.DimParam = p;
            shape.Dim.Add(dim);
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    /// <summary>Adds a float initializer (row-major data, raw_data little-endian). Returns its (uniquified) name.</summary>
    public string AddInitializer(string name, float[] data, params long[] shape)
    {
        var unique = UniqueName(name);
        _graph.Initializer.Add(OnnxTensors.Float(unique, data, shape));
        return unique;
    }

    /// <summary>Adds an int64 initializer. Returns its (uniquified) name.</summary>
    public string AddInitializer(string name, long[] data, params long[] shape)
    {
        var unique = UniqueName(name);
        _graph.Initializer.Add(OnnxTensors.Int64(unique, data, shape));
        return unique;
    }

    /// <summary>Adds a bool initializer. Returns its (uniquified) name.</summary>
    public string AddInitializer(string name, bool[] data, params long[] shape)
    {
        var unique = UniqueName(name);
        _graph.Initializer.Add(OnnxTensors.Bool(unique, data, shape));
        return unique;
    }

    /// <summary>Adds a prepared tensor as initializer; its name is uniquified (and the tensor renamed). Returns the name.</summary>
    public string AddInitializer(TensorProto tensor)
    {
        var t = tensor.Clone();
        t.Name = UniqueName(string.IsNullOrEmpty(t.Name) ? "init" : t.Name);
        _graph.Initializer.Add(t);
        return t.Name;
    }

    /// <summary>Scalar (rank-0) float constant, shared between uses of the same value.</summary>
    public string ConstFloat(float value) =>
        Cached(ElementType.Float, BitConverter.SingleToInt32Bits(value).ToString("x8"),
            () => AddInitializer("const_f", [value]));

    /// <summary>Scalar (rank-0) int64 constant, shared between uses of the same value.</summary>
    public string ConstInt64(long value) =>
        Cached(ElementType.Int64, value.ToString(), () => AddInitializer("const_i", [value]));

    /// <summary>1-D int64 constant (shapes, axes, indices), shared between uses of the same values.</summary>
    public string ConstInt64s(params long[] values) =>
        Cached(ElementType.Int64, "[" + string.Join(",", values) + "]",
            () => AddInitializer("const_ints", values, values.Length));

    /// <summary>Float constant of any shape (not shared).</summary>
    public string ConstFloats(float[] values, params long[] shape) => AddInitializer("const_floats", values, shape);

    private string Cached(ElementType type, string key, Func<string> create)
    {
        // Constants are shared across scopes, so create them at the root.
        if (_constantCache.TryGetValue((type, key), out var name)) return name;
        var saved = _scopes.ToArray();
        _scopes.Clear();
        try { name = create(); }
        finally { foreach (var s in saved.Reverse()) _scopes.Push(s); }
        _constantCache[(type, key)] = name;
        return name;
    }

    // ---------------------------------------------------------------- nodes

    /// <summary>
    /// Adds a node with one output and returns the output's name. Use "" for an omitted optional input.
    /// <paramref name="name"/> is a naming hint for the node and its output (default: the op type).
    /// </summary>
    public string Node(string opType, IReadOnlyList<string> inputs, string? name = null, params AttributeProto[] attributes) =>
        Node(opType, inputs, 1, name, attributes)[0];

    /// <summary>Adds a node with <paramref name="outputCount"/> outputs; returns their names.</summary>
    public string[] Node(string opType, IReadOnlyList<string> inputs, int outputCount, string? name = null, params AttributeProto[] attributes)
    {
        foreach (var i in inputs)
            if (i.Length > 0 && !_names.Contains(i))
                throw new ArgumentException($"{opType}: input '{i}' is not a known value of this graph.");
        var nodeName = UniqueIn(_nodeNames, Scoped(name ?? opType));
        var outputs = new string[outputCount];
        for (int k = 0; k < outputCount; k++)
            outputs[k] = UniqueIn(_names, $"{nodeName}_output_{k}");
        _graph.Node.Add(MakeNode(opType, inputs, outputs, nodeName, attributes));
        return outputs;
    }

    private static NodeProto MakeNode(string opType, IEnumerable<string> inputs, IEnumerable<string> outputs, string name, IEnumerable<AttributeProto> attributes)
    {
        var n = new NodeProto { OpType = opType, Name = name };
        n.Input.AddRange(inputs);
        n.Output.AddRange(outputs);
        n.Attribute.AddRange(attributes);
        return n;
    }

    // ---------------------------------------------------------------- model

    /// <summary>
    /// Builds the model. <paramref name="irVersion"/> defaults to the lowest one valid for the opset, at least 8
    /// (so 8 for opset 17; 9 is also fine). The builder stays usable; each call returns a fresh copy.
    /// </summary>
    public ModelProto Build(int? irVersion = null)
    {
        int ir = irVersion ?? Math.Max(8, MinIrVersion(Opset));
        if (ir < MinIrVersion(Opset))
            throw new ArgumentOutOfRangeException(nameof(irVersion), ir, $"Opset {Opset} needs ir_version {MinIrVersion(Opset)} or later.");
        if (_graph.Output.Count == 0) throw new InvalidOperationException("The graph declares no output.");
        var model = new ModelProto
        {
            IrVersion = ir,
            ProducerName = ProducerName,
            ProducerVersion = ProducerVersion,
            Domain = Domain,
            ModelVersion = ModelVersion,
            DocString = DocString,
            Graph = _graph.Clone(),
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        foreach (var kv in _metadata)
            model.MetadataProps.Add(new StringStringEntryProto { Key = kv.Key, Value = kv.Value });
        return model;
    }

    /// <summary>Serialized model bytes (protobuf binary), as read by <c>new InferenceSession(byte[])</c>.</summary>
    public byte[] ToBytes(int? irVersion = null) => Build(irVersion).ToByteArray();

    /// <summary>Writes the serialized model to <paramref name="path"/> (a single file; no external data, so under 2 GB).</summary>
    public void Save(string path, int? irVersion = null)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        File.WriteAllBytes(path, ToBytes(irVersion));
    }
}
