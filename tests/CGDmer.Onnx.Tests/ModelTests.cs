using CGDmer.Onnx.Proto;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;

namespace CGDmer.Onnx.Tests;

/// <summary>Whole models: dynamic shapes from a saved file, metadata, protobuf wire format, builder behaviour.</summary>
public class ModelTests(ITestOutputHelper output)
{
    private const int D = 32, F = 64, Heads = 4, Classes = 5;

    private sealed record Encoder(TransformerEncoderLayerWeights[] Layers, float[] NormW, float[] NormB, float[] HeadW, float[] HeadB);

    private static Encoder RandomEncoder(int seed)
    {
        var rng = new Random(seed);
        return new Encoder([Weights.Layer(rng, D, F), Weights.Layer(rng, D, F)],
            Weights.Uniform(rng, D, 0.2).Select(v => 1 + v).ToArray(), Weights.Uniform(rng, D, 0.1),
            Weights.Uniform(rng, Classes * D, 1 / Math.Sqrt(D)), Weights.Uniform(rng, Classes, 0.1));
    }

    /// <summary>A small encoder the way an exporter writes it: mask → 2 pre-norm layers → LN → masked mean → head.</summary>
    private static OnnxGraphBuilder BuildEncoder(Encoder e)
    {
        var g = new OnnxGraphBuilder("ecg_encoder");
        var x = g.AddInput("tokens", ElementType.Float, "batch", "tokens", D);
        var keep = g.AddInput("keep", ElementType.Float, "batch", "tokens");
        var mask = g.AdditiveKeyPaddingMask(keep);
        var h = x;
        for (int i = 0; i < e.Layers.Length; i++)
            h = g.TransformerEncoderLayer(h, e.Layers[i], Heads, mask, name: $"layers.{i}");
        h = g.LayerNorm(h, e.NormW, e.NormB, name: "norm");
        var pooled = g.MaskedMeanPool(h, keep, "pool");
        g.AddOutput("embedding", pooled, ElementType.Float, "batch", D);
        g.AddOutput("logits", g.Sigmoid(g.Linear(pooled, e.HeadW, e.HeadB, Classes, D, "head")), ElementType.Float, "batch", Classes);
        return g;
    }

    private static (double[] Embedding, double[] Probs) ReferenceEncoder(Encoder e, float[] x, float[] keep, int batch, int tokens)
    {
        var keepB = keep.Select(v => v != 0).ToArray();
        var h = Reference.ToDouble(x);
        foreach (var layer in e.Layers) h = Reference.EncoderLayer(h, batch, tokens, Heads, layer, keepB);
        h = Reference.LayerNorm(h, batch * tokens, D, e.NormW, e.NormB, 1e-5);
        var pooled = Reference.MaskedMeanPool(h, batch, tokens, D, keep);
        var logits = Reference.Linear(pooled, batch, D, e.HeadW, e.HeadB, Classes);
        return (pooled, logits.Select(v => 1 / (1 + Math.Exp(-v))).ToArray());
    }

    [Fact]
    public void Saved_model_runs_with_dynamic_batch_and_token_counts()
    {
        var enc = RandomEncoder(11);
        var path = Path.Combine(Path.GetTempPath(), $"cgdmer-onnx-{Guid.NewGuid():N}", "encoder.onnx");
        BuildEncoder(enc).Save(path);
        try
        {
            using var session = new InferenceSession(path);
            var rng = new Random(12);
            Tensor? batch32 = null, batch32Keep = null;
            Dictionary<string, Tensor>? batch32Out = null;
            foreach (var (batch, tokens) in new[] { (1, 5), (32, 17), (4, 1), (2, 40) })
            {
                var x = Tensor.Random(rng, 1, batch, tokens, D);
                var keep = new float[batch * tokens];
                for (int b = 0; b < batch; b++)
                {
                    int valid = 1 + rng.Next(tokens);                 // at least one real token per row
                    for (int t = 0; t < valid; t++) keep[b * tokens + t] = 1;
                }
                var keepT = new Tensor(keep, [batch, tokens]);
                var res = Ort.Run(session, new Dictionary<string, Tensor> { ["tokens"] = x, ["keep"] = keepT });
                Assert.Equal([batch, D], res["embedding"].Shape);
                Assert.Equal([batch, Classes], res["logits"].Shape);
                var (emb, probs) = ReferenceEncoder(enc, x.Data, keep, batch, tokens);
                double e1 = Ort.MaxAbsDiff(res["embedding"].Data, emb), e2 = Ort.MaxAbsDiff(res["logits"].Data, probs);
                output.WriteLine($"batch {batch,2}, tokens {tokens,2}: embedding max abs error {e1:E2}, probabilities {e2:E2}");
                Assert.True(e1 < 1e-5 && e2 < 1e-5);
                if (batch == 32) (batch32, batch32Keep, batch32Out) = (x, keepT, res);
            }

            // Row 7 of the batch-32 run equals a batch-1 run of that row alone.
            const int row = 7, T = 17;
            var x1 = new Tensor(batch32!.Data[(row * T * D)..((row + 1) * T * D)], [1, T, D]);
            var k1 = new Tensor(batch32Keep!.Data[(row * T)..((row + 1) * T)], [1, T]);
            var single = Ort.Run(session, new Dictionary<string, Tensor> { ["tokens"] = x1, ["keep"] = k1 });
            double diff = Ort.MaxAbsDiff(single["embedding"].Data, batch32Out!["embedding"].Data[(row * D)..((row + 1) * D)]);
            output.WriteLine($"batch-1 vs row {row} of batch 32: max abs difference {diff:E2}");
            Assert.True(diff < 1e-5);

            // Padding tokens past the valid length do not matter: append 5 masked garbage tokens.
            var xPad = new float[(T + 5) * D];
            Array.Copy(x1.Data, xPad, x1.Data.Length);
            for (int i = T * D; i < xPad.Length; i++) xPad[i] = 50f;
            var kPad = new float[T + 5];
            Array.Copy(k1.Data, kPad, T);
            var padded = Ort.Run(session, new Dictionary<string, Tensor> { ["tokens"] = new(xPad, [1, T + 5, D]), ["keep"] = new(kPad, [1, T + 5]) });
            double padDiff = Ort.MaxAbsDiff(padded["embedding"].Data, single["embedding"].Data);
            output.WriteLine($"extra masked tokens: max abs difference {padDiff:E2}");
            Assert.True(padDiff < 1e-5);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    [Fact]
    public void Input_and_output_dims_are_symbolic_or_fixed_as_declared()
    {
        using var session = new InferenceSession(BuildEncoder(RandomEncoder(13)).ToBytes());
        var x = session.InputMetadata["tokens"];
        Assert.Equal([-1, -1, D], x.Dimensions);
        Assert.Equal(["batch", "tokens", ""], x.SymbolicDimensions);
        Assert.Equal(["batch", ""], session.OutputMetadata["logits"].SymbolicDimensions);
        Assert.Equal(["tokens", "keep"], session.InputNames);
        Assert.Equal(["embedding", "logits"], session.OutputNames);
    }

    [Fact]
    public void Metadata_round_trips_through_onnx_runtime()
    {
        var g = BuildEncoder(RandomEncoder(14));
        g.ProducerName = "CGDmer.Streaming.Export";
        g.ProducerVersion = "0.1.0";
        g.ModelVersion = 42;
        g.Domain = "org.cgdmer";
        g.DocString = "Transformer ECG encoder";
        g.AddMetadata("leads", "I,II,III,aVR,aVL,aVF,V1,V2,V3,V4,V5,V6")
         .AddMetadata("sample_rate_hz", "500")
         .AddMetadata("labels", "[\"AF\",\"normal\"]");
        Assert.Throws<ArgumentException>(() => g.AddMetadata("leads", "again"));

        using var session = new InferenceSession(g.ToBytes());
        var meta = session.ModelMetadata;
        Assert.Equal("CGDmer.Streaming.Export", meta.ProducerName);
        Assert.Equal("Transformer ECG encoder", meta.Description);
        Assert.Equal(42, meta.Version);
        Assert.Equal("org.cgdmer", meta.Domain);
        Assert.Equal("ecg_encoder", meta.GraphName);
        Assert.Equal(3, meta.CustomMetadataMap.Count);
        Assert.Equal("I,II,III,aVR,aVL,aVF,V1,V2,V3,V4,V5,V6", meta.CustomMetadataMap["leads"]);
        Assert.Equal("500", meta.CustomMetadataMap["sample_rate_hz"]);
        Assert.Equal("[\"AF\",\"normal\"]", meta.CustomMetadataMap["labels"]);
    }

    private static OnnxGraphBuilder TinyModel()
    {
        var g = new OnnxGraphBuilder("tiny") { ProducerName = "p", ModelVersion = 3, DocString = "d" };
        var x = g.AddInput("x", ElementType.Float, "batch", 2);
        var w = g.AddInitializer("w", [1f, 2f], 2);
        g.AddOutput("y", g.Mul(x, w), ElementType.Float, "batch", 2);
        g.AddMetadata("k", "v");
        return g;
    }

    private static List<(int Field, WireFormat.WireType Wire)> Tags(byte[] bytes)
    {
        var tags = new List<(int, WireFormat.WireType)>();
        var input = new CodedInputStream(bytes);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            tags.Add((WireFormat.GetTagFieldNumber(tag), WireFormat.GetTagWireType(tag)));
            input.SkipLastField();
        }
        return tags;
    }

    [Fact]
    public void Wire_format_uses_the_official_field_numbers()
    {
        var g = TinyModel();
        var bytes = g.ToBytes(irVersion: 8);
        // ModelProto.ir_version = field 1, varint: tag 0x08, value 8.
        Assert.Equal(0x08, bytes[0]);
        Assert.Equal(8, bytes[1]);
        Assert.Equal(0x09, g.ToBytes(irVersion: 9)[1]);

        var V = WireFormat.WireType.Varint;
        var L = WireFormat.WireType.LengthDelimited;
        // ir_version 1, producer_name 2, model_version 5, doc_string 6, graph 7, opset_import 8, metadata_props 14.
        Assert.Equal([(1, V), (2, L), (5, V), (6, L), (7, L), (8, L), (14, L)], Tags(bytes));

        var model = ModelProto.Parser.ParseFrom(bytes);
        Assert.Equal(8, model.IrVersion);
        Assert.Equal("p", model.ProducerName);
        Assert.Equal(3, model.ModelVersion);
        Assert.Equal(("", 17L), (model.OpsetImport.Single().Domain, model.OpsetImport.Single().Version));
        Assert.Equal(("k", "v"), (model.MetadataProps.Single().Key, model.MetadataProps.Single().Value));

        // GraphProto: node 1, name 2, initializer 5, input 11, output 12.
        Assert.Equal([(1, L), (2, L), (5, L), (11, L), (12, L)], Tags(model.Graph.ToByteArray()).Distinct());

        // TensorProto: dims 1, data_type 2 (FLOAT = 1), name 8, raw_data 9 holding little-endian floats.
        byte[] tensor = model.Graph.Initializer.Single().ToByteArray();
        byte[] expected = [0x0A, 0x01, 0x02, /* dims [2] */ 0x10, 0x01, /* FLOAT */ 0x42, 0x01, (byte)'w',
            0x4A, 0x08, 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0x40 /* raw 1.0f, 2.0f */];
        Assert.Equal(expected, tensor);

        // ValueInfo: name 1, type 2 -> TypeProto.tensor_type 1 -> elem_type 1, shape 2 -> dim 1 -> dim_param 2 / dim_value 1.
        var input = model.Graph.Input.Single();
        Assert.Equal("batch", input.Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal(2, input.Type.TensorType.Shape.Dim[1].DimValue);
        byte[] dimParam = input.Type.TensorType.Shape.Dim[0].ToByteArray();
        Assert.Equal([0x12, 0x05, .. "batch"u8.ToArray()], dimParam);

        // Node: input 1, output 2, name 3, op_type 4. (Mul, then the Identity that names the output "y".)
        Assert.Equal(["Mul", "Identity"], model.Graph.Node.Select(n => n.OpType));
        Assert.Equal([(1, L), (1, L), (2, L), (3, L), (4, L)], Tags(model.Graph.Node[0].ToByteArray()));

        // AttributeProto: name 1, i 3, type 20 (INT = 2) -> tag (20 << 3) = 0xA0 0x01.
        var attr = OnnxAttr.Int("axis", -1).ToByteArray();
        Assert.Equal([(1, L), (3, V), (20, V)], Tags(attr));
        Assert.Equal([0xA0, 0x01, 0x02], attr[^3..]);
        // A zero value is still written (explicit presence, as proto2 writers do): axis = 0, keepdims = 0, epsilon = 0.
        Assert.Equal([(1, L), (3, V), (20, V)], Tags(OnnxAttr.Int("axis", 0).ToByteArray()));
        Assert.Equal([(1, L), (2, WireFormat.WireType.Fixed32), (20, V)], Tags(OnnxAttr.Float("epsilon", 0f).ToByteArray()));
        Assert.Equal([(1, L), (4, L), (20, V)], Tags(OnnxAttr.String("mode", "").ToByteArray()));

        // And ONNX Runtime, which parses with the official schema, runs it.
        var y = Ort.RunSingle(bytes, ("x", new Tensor([3f, 4f, 5f, 6f], [2, 2])));
        Assert.Equal([3f, 8f, 5f, 12f], y.Data);
    }

    [Fact]
    public void Build_round_trips_through_the_parser()
    {
        var g = BuildEncoder(RandomEncoder(15));
        var model = g.Build();
        var reparsed = ModelProto.Parser.ParseFrom(model.ToByteArray());
        Assert.Equal(model, reparsed);
        Assert.Equal(g.NodeCount, reparsed.Graph.Node.Count);
        Assert.Equal(g.InitializerCount, reparsed.Graph.Initializer.Count);
        output.WriteLine($"2-layer encoder (D={D}, F={F}): {g.NodeCount} nodes, {g.InitializerCount} initializers, {model.CalculateSize()} bytes");
        // Names are readable and scoped.
        Assert.Contains(reparsed.Graph.Initializer, t => t.Name == "layers.0/self_attn/in_proj.weight_t");
        Assert.Contains(reparsed.Graph.Initializer, t => t.Name == "layers.1/linear2.bias");
        var inProj = reparsed.Graph.Initializer.Single(t => t.Name == "layers.0/self_attn/in_proj.weight_t");
        Assert.Equal([D, 3 * D], inProj.Dims);   // stored transposed: [in, out]
        Assert.Equal(3 * D * D * 4, inProj.RawData.Length);
    }

    [Fact]
    public void Realistic_width_layer_stays_close_to_the_double_reference()
    {
        // D = 256, 8 heads, F = 1024, 120 tokens: float32 accumulation error grows with width.
        var rng = new Random(16);
        const int d = 256, f = 1024, heads = 8, batch = 2, tokens = 120;
        var w = Weights.Layer(rng, d, f);
        var g = new OnnxGraphBuilder("wide");
        var x = g.AddInput("x", ElementType.Float, "batch", "tokens", d);
        var keep = g.AddInput("keep", ElementType.Float, "batch", "tokens");
        g.AddOutput("y", g.TransformerEncoderLayer(x, w, heads, g.AdditiveKeyPaddingMask(keep)), ElementType.Float, "batch", "tokens", d);
        var xt = Tensor.Random(rng, 1, batch, tokens, d);
        var keepMask = Enumerable.Range(0, batch * tokens).Select(i => i % tokens < (i < tokens ? 120 : 77) ? 1f : 0f).ToArray();
        var y = Ort.RunSingle(g.ToBytes(), ("x", xt), ("keep", new Tensor(keepMask, [batch, tokens])));
        var reference = Reference.EncoderLayer(Reference.ToDouble(xt.Data), batch, tokens, heads, w, keepMask.Select(v => v != 0).ToArray());
        double err = Ort.MaxAbsDiff(y.Data, reference), scale = reference.Max(Math.Abs);
        output.WriteLine($"D={d}, H={heads}, F={f}, T={tokens}: max abs error {err:E2} (max |y| {scale:F2})");
        Assert.True(err < 1e-5);
    }
}
