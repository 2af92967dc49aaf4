using Xunit.Abstractions;

namespace CGDmer.Onnx.Tests;

/// <summary>Each helper's graph, run in ONNX Runtime (CPU), against a naive double-precision reference.</summary>
public class BlockTests(ITestOutputHelper output)
{
    private const double Tol = 1e-5;

    private void Report(string what, double err)
    {
        output.WriteLine($"{what}: max abs error {err:E2}");
        Assert.True(err < Tol, $"{what}: max abs error {err:E3} ≥ {Tol:E0}");
    }

    [Fact]
    public void Linear_rank2()
    {
        var rng = new Random(1);
        const int inF = 24, outF = 10, batch = 7;
        var w = Weights.Uniform(rng, outF * inF, 0.3);
        var bias = Weights.Uniform(rng, outF, 0.3);
        var g = new OnnxGraphBuilder("linear2");
        var x = g.AddInput("x", ElementType.Float, "batch", inF);
        g.AddOutput("y", g.Linear(x, w, bias, outF, inF, "fc"), ElementType.Float, "batch", outF);

        var xt = Tensor.Random(rng, 1, batch, inF);
        var y = Ort.RunSingle(g.ToBytes(), ("x", xt));
        Assert.Equal([batch, outF], y.Shape);
        Report("Linear rank 2", Ort.MaxAbsDiff(y.Data, Reference.Linear(Reference.ToDouble(xt.Data), batch, inF, w, bias, outF)));
    }

    [Fact]
    public void Linear_rank3_and_no_bias()
    {
        var rng = new Random(2);
        const int inF = 16, outF = 12, batch = 3, tokens = 5;
        var w = Weights.Uniform(rng, outF * inF, 0.3);
        var bias = Weights.Uniform(rng, outF, 0.3);
        var g = new OnnxGraphBuilder("linear3");
        var x = g.AddInput("x", ElementType.Float, "batch", "tokens", inF);
        g.AddOutput("y", g.Linear(x, w, bias, outF, inF), ElementType.Float, "batch", "tokens", outF);
        g.AddOutput("y_nobias", g.Linear(x, w, null, outF, inF), ElementType.Float, "batch", "tokens", outF);

        var xt = Tensor.Random(rng, 1, batch, tokens, inF);
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(g.ToBytes());
        var res = Ort.Run(session, new Dictionary<string, Tensor> { ["x"] = xt });
        Assert.Equal([batch, tokens, outF], res["y"].Shape);
        var xd = Reference.ToDouble(xt.Data);
        Report("Linear rank 3", Ort.MaxAbsDiff(res["y"].Data, Reference.Linear(xd, batch * tokens, inF, w, bias, outF)));
        Report("Linear rank 3 without bias", Ort.MaxAbsDiff(res["y_nobias"].Data, Reference.Linear(xd, batch * tokens, inF, w, null, outF)));
    }

    [Fact]
    public void LayerNorm_matches_reference()
    {
        var rng = new Random(3);
        const int d = 32, batch = 4, tokens = 6;
        var gamma = Weights.Uniform(rng, d, 0.5).Select(v => 1 + v).ToArray();
        var beta = Weights.Uniform(rng, d, 0.5);
        var g = new OnnxGraphBuilder("ln");
        var x = g.AddInput("x", ElementType.Float, "batch", "tokens", d);
        g.AddOutput("y", g.LayerNorm(x, gamma, beta, 1e-5f), ElementType.Float, "batch", "tokens", d);

        var xt = Tensor.Random(rng, 3, batch, tokens, d);
        var y = Ort.RunSingle(g.ToBytes(), ("x", xt));
        Report("LayerNorm", Ort.MaxAbsDiff(y.Data, Reference.LayerNorm(Reference.ToDouble(xt.Data), batch * tokens, d, gamma, beta, 1e-5)));
    }

    [Fact]
    public void Gelu_exact_erf_form()
    {
        var g = new OnnxGraphBuilder("gelu");
        var x = g.AddInput("x", ElementType.Float, "n");
        g.AddOutput("y", g.Gelu(x), ElementType.Float, "n");
        var xs = Enumerable.Range(0, 2001).Select(i => (float)(-8 + i * 0.008)).ToArray();
        var y = Ort.RunSingle(g.ToBytes(), ("x", new Tensor(xs, [xs.Length])));
        Report("GELU on [-8, 8]", Ort.MaxAbsDiff(y.Data, xs.Select(v => Reference.Gelu(v)).ToArray()));
        // The tanh approximation differs by up to ~5e-4 near |x| = 2; the graph must be the exact form.
        var tanhApprox = xs.Select(v => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)))).ToArray();
        Assert.True(Ort.MaxAbsDiff(y.Data, tanhApprox) > 1e-4);
    }

    [Fact]
    public void Softmax_last_axis()
    {
        var rng = new Random(4);
        var g = new OnnxGraphBuilder("softmax");
        var x = g.AddInput("x", ElementType.Float, "batch", 3, 9);
        g.AddOutput("y", g.Softmax(x, -1), ElementType.Float, "batch", 3, 9);
        var xt = Tensor.Random(rng, 5, 4, 3, 9);
        var y = Ort.RunSingle(g.ToBytes(), ("x", xt));
        Report("Softmax", Ort.MaxAbsDiff(y.Data, Reference.Softmax(Reference.ToDouble(xt.Data), 9)));
    }

    private static byte[] MhaModel(MultiHeadAttentionWeights w, int d, int heads, bool masked)
    {
        var g = new OnnxGraphBuilder("mha");
        var x = g.AddInput("x", ElementType.Float, "batch", "tokens", d);
        string? mask = null;
        if (masked)
        {
            var keep = g.AddInput("keep", ElementType.Float, "batch", "tokens");
            mask = g.AdditiveKeyPaddingMask(keep);
        }
        g.AddOutput("y", g.MultiHeadSelfAttention(x, w, heads, mask), ElementType.Float, "batch", "tokens", d);
        return g.ToBytes();
    }

    [Fact]
    public void MultiHeadSelfAttention_without_mask()
    {
        var rng = new Random(5);
        const int d = 32, heads = 4, batch = 3, tokens = 7;
        var w = Weights.Mha(rng, d);
        var xt = Tensor.Random(rng, 1, batch, tokens, d);
        var y = Ort.RunSingle(MhaModel(w, d, heads, masked: false), ("x", xt));
        Assert.Equal([batch, tokens, d], y.Shape);
        Report("MHA, no mask", Ort.MaxAbsDiff(y.Data,
            Reference.MultiHeadSelfAttention(Reference.ToDouble(xt.Data), batch, tokens, d, heads, w, null)));
    }

    [Fact]
    public void MultiHeadSelfAttention_key_padding_mask()
    {
        var rng = new Random(6);
        const int d = 32, heads = 4, batch = 2, tokens = 6, masked = 4;
        var w = Weights.Mha(rng, d);
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(MhaModel(w, d, heads, masked: true));

        var xt = Tensor.Random(rng, 1, batch, tokens, d);
        var keepMask = new float[batch * tokens];
        Array.Fill(keepMask, 1f);
        keepMask[0 * tokens + masked] = 0;      // batch 0: token 4 is padding
        keepMask[1 * tokens + 5] = 0;           // batch 1: tokens 1 and 5 are padding
        keepMask[1 * tokens + 1] = 0;
        var keep = new Tensor(keepMask, [batch, tokens]);

        var y1 = Ort.Run(session, new Dictionary<string, Tensor> { ["x"] = xt, ["keep"] = keep })["y"];
        var reference = Reference.MultiHeadSelfAttention(Reference.ToDouble(xt.Data), batch, tokens, d, heads, w,
            keepMask.Select(v => v != 0).ToArray());
        Report("MHA, key-padding mask vs reference", Ort.MaxAbsDiff(y1.Data, reference));

        // Changing the masked token's input must not change any other token's output.
        var x2 = (float[])xt.Data.Clone();
        for (int e = 0; e < d; e++) x2[(0 * tokens + masked) * d + e] = 100f * (e % 2 == 0 ? 1 : -1);
        var y2 = Ort.Run(session, new Dictionary<string, Tensor> { ["x"] = new Tensor(x2, xt.Shape), ["keep"] = keep })["y"];
        double otherTokens = 0, maskedToken = 0;
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < tokens; t++)
                for (int e = 0; e < d; e++)
                {
                    int i = (b * tokens + t) * d + e;
                    double diff = Math.Abs(y1.Data[i] - y2.Data[i]);
                    if (b == 0 && t == masked) maskedToken = Math.Max(maskedToken, diff);
                    else otherTokens = Math.Max(otherTokens, diff);
                }
        output.WriteLine($"MHA masked-token perturbation: other tokens max change {otherTokens:E2}, masked token's own output change {maskedToken:E2}");
        Assert.Equal(0, otherTokens);
        Assert.True(maskedToken > 1e-2, "the masked token's own query still changes its own output");

        // Without the mask the same perturbation does leak into other tokens (the test is sensitive).
        var yUnmasked1 = Ort.RunSingle(MhaModel(w, d, heads, masked: false), ("x", xt));
        var yUnmasked2 = Ort.RunSingle(MhaModel(w, d, heads, masked: false), ("x", new Tensor(x2, xt.Shape)));
        Assert.True(Ort.MaxAbsDiff(yUnmasked1.Data[..(masked * d)], yUnmasked2.Data[..(masked * d)]) > 1e-2);
    }

    [Fact]
    public void TransformerEncoderLayer_prenorm_matches_reference()
    {
        var rng = new Random(7);
        const int d = 32, f = 64, heads = 4, batch = 2, tokens = 9;
        var w = Weights.Layer(rng, d, f);
        var g = new OnnxGraphBuilder("layer");
        var x = g.AddInput("x", ElementType.Float, "batch", "tokens", d);
        var keep = g.AddInput("keep", ElementType.Float, "batch", "tokens");
        var mask = g.AdditiveKeyPaddingMask(keep);
        g.AddOutput("y", g.TransformerEncoderLayer(x, w, heads, mask, name: "layers.0"), ElementType.Float, "batch", "tokens", d);

        var xt = Tensor.Random(rng, 1, batch, tokens, d);
        var keepMask = Enumerable.Repeat(1f, batch * tokens).ToArray();
        keepMask[tokens + 7] = keepMask[tokens + 8] = 0;
        var y = Ort.RunSingle(g.ToBytes(), ("x", xt), ("keep", new Tensor(keepMask, [batch, tokens])));
        Report("Pre-norm encoder layer (masked)", Ort.MaxAbsDiff(y.Data,
            Reference.EncoderLayer(Reference.ToDouble(xt.Data), batch, tokens, heads, w, keepMask.Select(v => v != 0).ToArray())));
    }

    [Fact]
    public void TransformerEncoderLayer_postnorm_relu_matches_reference()
    {
        var rng = new Random(17);
        const int d = 16, f = 48, heads = 2, batch = 3, tokens = 5;
        var w = Weights.Layer(rng, d, f);
        var g = new OnnxGraphBuilder("post");
        var x = g.AddInput("x", ElementType.Float, "batch", "tokens", d);
        g.AddOutput("y", g.TransformerEncoderLayer(x, w, heads, normFirst: false, activation: FeedForwardActivation.Relu),
            ElementType.Float, "batch", "tokens", d);
        var xt = Tensor.Random(rng, 1, batch, tokens, d);
        var y = Ort.RunSingle(g.ToBytes(), ("x", xt));
        Report("Post-norm ReLU encoder layer", Ort.MaxAbsDiff(y.Data,
            Reference.PostNormReluEncoderLayer(Reference.ToDouble(xt.Data), batch, tokens, heads, w, null)));
    }

    [Fact]
    public void MaskedMeanPool_matches_reference_and_guards_empty_rows()
    {
        var rng = new Random(8);
        const int d = 16, batch = 3, tokens = 5;
        var g = new OnnxGraphBuilder("pool");
        var x = g.AddInput("x", ElementType.Float, "batch", "tokens", d);
        var m = g.AddInput("mask", ElementType.Float, "batch", "tokens");
        g.AddOutput("y", g.MaskedMeanPool(x, m), ElementType.Float, "batch", d);

        var xt = Tensor.Random(rng, 2, batch, tokens, d);
        float[] mask = [1, 1, 0, 1, 0, /**/ 1, 1, 1, 1, 1, /**/ 0, 0, 0, 0, 0];
        var y = Ort.RunSingle(g.ToBytes(), ("x", xt), ("mask", new Tensor(mask, [batch, tokens])));
        Assert.Equal([batch, d], y.Shape);
        Report("MaskedMeanPool", Ort.MaxAbsDiff(y.Data, Reference.MaskedMeanPool(Reference.ToDouble(xt.Data), batch, tokens, d, mask)));
        Assert.All(y.Data[(2 * d)..], v => Assert.Equal(0f, v));   // all-dropped row: zeros, not NaN
    }

    [Theory]
    [InlineData(1, 0, 1, 1)]
    [InlineData(2, 3, 1, 1)]
    [InlineData(4, 0, 2, 1)]
    [InlineData(1, 2, 1, 2)]
    public void Conv1d_matches_reference(int stride, int padding, int dilation, int groups)
    {
        var rng = new Random(9);
        const int batch = 2, inC = 4, outC = 6, k = 5, length = 23;
        var w = Weights.Uniform(rng, outC * (inC / groups) * k, 0.3);
        var bias = Weights.Uniform(rng, outC, 0.3);
        var g = new OnnxGraphBuilder("conv");
        var x = g.AddInput("x", ElementType.Float, "batch", inC, "samples");
        g.AddOutput("y", g.Conv1d(x, w, bias, outC, inC, k, stride, padding, dilation, groups), ElementType.Float, "batch", outC, "frames");

        var xt = Tensor.Random(rng, 1, batch, inC, length);
        var y = Ort.RunSingle(g.ToBytes(), ("x", xt));
        int outLen = (length + 2 * padding - dilation * (k - 1) - 1) / stride + 1;
        Assert.Equal([batch, outC, outLen], y.Shape);
        var expected = new double[batch * outC * outLen];
        int inPerGroup = inC / groups, outPerGroup = outC / groups;
        for (int b = 0; b < batch; b++)
            for (int o = 0; o < outC; o++)
                for (int t = 0; t < outLen; t++)
                {
                    double s = bias[o];
                    int grp = o / outPerGroup;
                    for (int ci = 0; ci < inPerGroup; ci++)
                        for (int j = 0; j < k; j++)
                        {
                            int pos = t * stride - padding + j * dilation;
                            if (pos < 0 || pos >= length) continue;
                            s += w[(o * inPerGroup + ci) * k + j] * xt.Data[(b * inC + grp * inPerGroup + ci) * length + pos];
                        }
                    expected[(b * outC + o) * outLen + t] = s;
                }
        Report($"Conv1d stride {stride} pad {padding} dilation {dilation} groups {groups}", Ort.MaxAbsDiff(y.Data, expected));
    }

    [Fact]
    public void Cls_token_and_position_table_with_dynamic_batch_and_tokens()
    {
        // The recipe an exporter uses: prepend a learned CLS token for any batch size, add the first T+1 rows of a table.
        var rng = new Random(10);
        const int d = 8, maxTokens = 50;
        var cls = Weights.Uniform(rng, d, 1);
        var table = Weights.Uniform(rng, maxTokens * d, 1);
        var g = new OnnxGraphBuilder("cls_pos");
        var x = g.AddInput("x", ElementType.Float, "batch", "tokens", d);
        var clsB = g.Expand(g.AddInitializer("cls", cls, 1, 1, d), g.Concat([g.Shape(x, 0, 1), g.ConstInt64s(1, d)], 0));
        var h = g.Concat([clsB, x], 1);                                                   // [B, T+1, D]
        var pos = g.Slice(g.AddInitializer("pos", table, maxTokens, d), g.ConstInt64s(0), g.Shape(h, 1, 2), g.ConstInt64s(0));
        g.AddOutput("y", g.Add(h, pos), ElementType.Float, "batch", "tokens_plus_1", d);
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(g.ToBytes());
        foreach (var (batch, tokens) in new[] { (1, 3), (5, 12) })
        {
            var xt = Tensor.Random(rng, 1, batch, tokens, d);
            var y = Ort.Run(session, new Dictionary<string, Tensor> { ["x"] = xt })["y"];
            Assert.Equal([batch, tokens + 1, d], y.Shape);
            var expected = new double[batch * (tokens + 1) * d];
            for (int b = 0; b < batch; b++)
                for (int t = 0; t <= tokens; t++)
                    for (int e = 0; e < d; e++)
                        expected[(b * (tokens + 1) + t) * d + e] = (t == 0 ? cls[e] : xt.Data[(b * tokens + t - 1) * d + e]) + (double)table[t * d + e];
            Report($"CLS + positions, batch {batch}, tokens {tokens}", Ort.MaxAbsDiff(y.Data, expected));
        }
    }
}
