using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;

namespace CGDmer.Onnx.Tests;

/// <summary>The single-op helpers, for each supported opset form, against hand-computed values; builder behaviour.</summary>
public class OpsTests(ITestOutputHelper output)
{
    private static readonly float[] A = [-1.5f, 0.3f, 2.0f, 0.7f, -0.2f, -3.0f];   // [2, 3]
    private static readonly bool[] Flag = [true, false, true, false, false, true];

    private static double[] Map(Func<double, double> f) => A.Select(v => f(v)).ToArray();

    [Theory]
    [InlineData(13, 8)]
    [InlineData(17, 8)]
    [InlineData(17, 9)]
    [InlineData(18, 8)]
    [InlineData(20, 9)]
    [InlineData(21, 10)]
    public void Single_op_helpers_compute_the_expected_values(int opset, int irVersion)
    {
        var g = new OnnxGraphBuilder("ops", opset);
        var a = g.AddInput("a", ElementType.Float, 2, 3);
        var flag = g.AddInput("flag", ElementType.Bool, 2, 3);
        var expected = new Dictionary<string, (double[] Values, long[] Shape)>();
        void Out(string name, string value, double[] values, params long[] shape)
        {
            g.AddOutput(name, value, ElementType.Float, shape.Select(d => (Dim)d).ToArray());
            expected[name] = (values, shape);
        }

        Out("relu", g.Relu(a), Map(v => Math.Max(v, 0)), 2, 3);
        Out("sigmoid", g.Sigmoid(a), Map(v => 1 / (1 + Math.Exp(-v))), 2, 3);
        Out("tanh", g.Tanh(a), Map(Math.Tanh), 2, 3);
        Out("erf", g.Erf(a), Map(Reference.Erf), 2, 3);
        Out("gelu", g.Gelu(a), Map(Reference.Gelu), 2, 3);
        Out("abs", g.Sqrt(g.Mul(a, a)), Map(Math.Abs), 2, 3);
        Out("pow", g.Pow(a, g.ConstFloat(2f)), Map(v => v * v), 2, 3);
        Out("div_sub", g.Div(g.Sub(a, g.ConstFloat(1f)), g.ConstFloat(4f)), Map(v => (v - 1) / 4), 2, 3);
        Out("min_max", g.Min(g.Max(a, g.ConstFloat(-1f)), g.ConstFloat(1f)), Map(v => Math.Clamp(v, -1, 1)), 2, 3);
        Out("max_n", g.Max([a, g.Neg(a), g.ConstFloat(1f)]), Map(v => Math.Max(Math.Abs(v), 1)), 2, 3);
        Out("clip", g.Clip(a, -0.5f, 0.5f), Map(v => Math.Clamp(v, -0.5, 0.5)), 2, 3);
        Out("clip_hi_only", g.Clip(a, null, 0.25f), Map(v => Math.Min(v, 0.25)), 2, 3);
        Out("exp", g.Exp(g.Identity(a)), Map(Math.Exp), 2, 3);
        Out("reduce_mean", g.ReduceMean(a, [1], keepDims: false), [(-1.5 + 0.3 + 2.0) / 3, (0.7 - 0.2 - 3.0) / 3], 2);
        Out("reduce_sum", g.ReduceSum(a, [0]), [-0.8, 0.1, -1.0], 1, 3);
        Out("transpose", g.Transpose(a, [1, 0]), [-1.5, 0.7, 0.3, -0.2, 2.0, -3.0], 3, 2);
        Out("flatten", g.Reshape(a, [-1]), Map(v => v), 6);
        Out("reshape_0", g.Reshape(a, [0, 3, 1]), Map(v => v), 2, 3, 1);
        Out("squeeze", g.Squeeze(g.Unsqueeze(a, [0, 3]), [0]), Map(v => v), 2, 3, 1);
        Out("gather_1", g.Gather(a, 1, axis: 1), [0.3, -0.2], 2);
        Out("gather_idx", g.Gather(a, g.ConstInt64s(2, 0), axis: 1), [2.0, -1.5, -3.0, 0.7], 2, 2);
        Out("gather_init", g.Gather(a, g.AddInitializer("rows", [1L, 1L, 0L], 3)), [0.7, -0.2, -3.0, 0.7, -0.2, -3.0, -1.5, 0.3, 2.0], 3, 3);
        Out("slice", g.Slice(a, [1], [long.MaxValue], [1]), [0.3, 2.0, -0.2, -3.0], 2, 2);
        Out("slice_reverse", g.Slice(a, [-1], [long.MinValue], [1], [-1]), [2.0, 0.3, -1.5, -3.0, -0.2, 0.7], 2, 3);
        Out("slice_rows", g.Slice(a, [0], [1]), [-1.5, 0.3, 2.0], 1, 3);
        Out("concat", g.Concat([a, g.Neg(a)], 0), [.. Map(v => v), .. Map(v => -v)], 4, 3);
        Out("where", g.Where(flag, a, g.ConstFloat(0f)), A.Select((v, i) => Flag[i] ? (double)v : 0).ToArray(), 2, 3);
        Out("where_init", g.Where(g.AddInitializer("cond", [true, false, false, false, true, true], 2, 3), a, g.Neg(a)),
            [-1.5, -0.3, -2.0, -0.7, -0.2, -3.0], 2, 3);
        Out("not", g.Cast(g.Not(flag), ElementType.Float), Flag.Select(f => f ? 0.0 : 1.0).ToArray(), 2, 3);
        Out("equal", g.Cast(g.Equal(a, g.Relu(a)), ElementType.Float), Map(v => v >= 0 ? 1 : 0), 2, 3);
        Out("expand", g.Expand(g.ReduceSum(a, [1]), [2, 4]), [0.8, 0.8, 0.8, 0.8, -2.5, -2.5, -2.5, -2.5], 2, 4);
        Out("expand_dyn", g.Expand(g.ConstFloat(1f), g.Shape(a)), Map(_ => 1), 2, 3);
        Out("shape", g.Cast(g.Shape(a), ElementType.Float), [2, 3], 2);
        if (opset >= 15) Out("shape_tail", g.Cast(g.Shape(a, start: 1), ElementType.Float), [3], 1);
        Out("softmax_axis0", g.Softmax(a, 0), Enumerable.Range(0, 6).Select(i =>
        {
            int c = i % 3;
            return Math.Exp(A[i]) / (Math.Exp(A[c]) + Math.Exp(A[3 + c]));
        }).ToArray(), 2, 3);
        if (opset >= 17) Out("layer_norm", g.LayerNorm(a, [1f, 2f, 3f], [0f, 0f, 1f]),
            Reference.LayerNorm(Reference.ToDouble(A), 2, 3, [1f, 2f, 3f], [0f, 0f, 1f], 1e-5), 2, 3);

        using var session = new InferenceSession(g.ToBytes(irVersion));
        using var aValue = OrtValue.CreateTensorValueFromMemory(A, [2, 3]);
        using var flagValue = OrtValue.CreateTensorValueFromMemory(Flag, [2, 3]);
        var names = session.OutputNames.ToArray();
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, ["a", "flag"], [aValue, flagValue], names);
        double worst = 0;
        for (int i = 0; i < names.Length; i++)
        {
            var (values, shape) = expected[names[i]];
            Assert.Equal(shape, results[i].GetTensorTypeAndShape().Shape);
            double err = Ort.MaxAbsDiff(results[i].GetTensorDataAsSpan<float>().ToArray(), values);
            Assert.True(err < 1e-5, $"{names[i]}: max abs error {err:E2}");
            worst = Math.Max(worst, err);
        }
        output.WriteLine($"opset {opset}, IR {irVersion}: {names.Length} outputs, worst max abs error {worst:E2}");
        // ReduceMean's axes: an attribute up to opset 17, an input from 18.
        var reduceMean = g.Build().Graph.Node.First(n => n.OpType == "ReduceMean");
        Assert.Equal(opset >= 18 ? 2 : 1, reduceMean.Input.Count);
    }

    [Fact]
    public void Names_are_unique_scoped_and_checked()
    {
        var g = new OnnxGraphBuilder();
        Assert.Equal("a", g.UniqueName("a"));
        Assert.Equal("a_1", g.UniqueName("a"));
        Assert.Equal("a_2", g.UniqueName("a"));
        using (g.Scope("outer"))
        using (g.Scope("inner"))
            Assert.Equal("outer/inner/a", g.UniqueName("a"));
        Assert.Equal("b", g.UniqueName("b"));

        var x = g.AddInput("x", ElementType.Float, "n");
        Assert.Throws<ArgumentException>(() => g.AddInput("x", ElementType.Float, "n"));
        Assert.Throws<ArgumentException>(() => g.Relu("no_such_value"));
        Assert.Throws<InvalidOperationException>(() => g.Build());   // no output yet

        string c1, c2;
        using (g.Scope("s")) c1 = g.ConstFloat(0.5f);
        c2 = g.ConstFloat(0.5f);
        Assert.Equal(c1, c2);                                          // constants are shared across scopes
        Assert.NotEqual(g.ConstFloat(0.5f), g.ConstFloat(-0.5f));
        Assert.NotEqual(g.ConstInt64(2), g.ConstInt64s(2));             // scalar vs 1-D

        using (g.Scope("blk")) Assert.StartsWith("blk/Relu", g.Relu(x));
        Assert.Throws<ArgumentException>(() => g.AddInitializer("bad", [1f, 2f, 3f], 2, 2));
        Assert.Throws<ArgumentException>(() => g.Linear(x, new float[6], null, 2, 2));
        Assert.Throws<ArgumentException>(() => g.Linear(x, new float[4], new float[3], 2, 2));
        Assert.Throws<ArgumentException>(() => g.MultiHeadSelfAttention(x, Weights.Mha(new Random(0), 6), numHeads: 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OnnxGraphBuilder(opset: 12));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OnnxGraphBuilder(opset: 22));
        var o21 = new OnnxGraphBuilder(opset: 21);
        o21.AddOutput(o21.Relu(o21.AddInput("x", ElementType.Float, 1)), ElementType.Float, 1);
        Assert.Equal(10, o21.Build().IrVersion);
        Assert.Throws<ArgumentOutOfRangeException>(() => o21.Build(irVersion: 9));
        Assert.Equal(8, OnnxGraphBuilder.MinIrVersion(17));
        Assert.Throws<NotSupportedException>(() => new OnnxGraphBuilder(opset: 16).LayerNorm("x", "s", "b"));
    }
}
