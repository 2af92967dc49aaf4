using Microsoft.ML.OnnxRuntime;

namespace CGDmer.Onnx.Tests;

/// <summary>A float tensor for feeding/reading ONNX Runtime: row-major data plus shape.</summary>
public sealed record Tensor(float[] Data, long[] Shape)
{
    public static Tensor Random(Random rng, float scale, params long[] shape)
    {
        long n = 1;
        foreach (var d in shape) n *= d;
        var data = new float[n];
        for (long i = 0; i < n; i++) data[i] = (float)((rng.NextDouble() * 2 - 1) * scale);
        return new Tensor(data, shape);
    }
}

/// <summary>Runs a model on the CPU provider (default SessionOptions).</summary>
public static class Ort
{
    public static Dictionary<string, Tensor> Run(InferenceSession session, IReadOnlyDictionary<string, Tensor> inputs)
    {
        var names = inputs.Keys.ToArray();
        var values = names.Select(n => OrtValue.CreateTensorValueFromMemory(inputs[n].Data, inputs[n].Shape)).ToArray();
        try
        {
            var outputNames = session.OutputNames.ToArray();
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, names, values, outputNames);
            var map = new Dictionary<string, Tensor>();
            for (int i = 0; i < outputNames.Length; i++)
            {
                var r = results[i];
                map[outputNames[i]] = new Tensor(r.GetTensorDataAsSpan<float>().ToArray(), r.GetTensorTypeAndShape().Shape);
            }
            return map;
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    public static Tensor RunSingle(byte[] model, params (string Name, Tensor Value)[] inputs)
    {
        using var session = new InferenceSession(model);
        return Run(session, inputs.ToDictionary(p => p.Name, p => p.Value)).Values.Single();
    }

    public static double MaxAbsDiff(float[] a, double[] b)
    {
        Assert.Equal(b.Length, a.Length);
        double m = 0;
        for (int i = 0; i < a.Length; i++) m = Math.Max(m, Math.Abs(a[i] - b[i]));
        return m;
    }

    public static double MaxAbsDiff(float[] a, float[] b)
    {
        Assert.Equal(b.Length, a.Length);
        double m = 0;
        for (int i = 0; i < a.Length; i++) m = Math.Max(m, Math.Abs((double)a[i] - b[i]));
        return m;
    }
}

/// <summary>Naive reference implementations in double precision (plain loops, row-major).</summary>
public static class Reference
{
    /// <summary>y[n, o] = Σ_i x[n, i]·W[o, i] + b[o]; W is PyTorch [out, in].</summary>
    public static double[] Linear(double[] x, int rows, int inF, float[] w, float[]? b, int outF)
    {
        var y = new double[rows * outF];
        for (int n = 0; n < rows; n++)
            for (int o = 0; o < outF; o++)
            {
                double s = b?[o] ?? 0;
                for (int i = 0; i < inF; i++) s += x[n * inF + i] * w[o * inF + i];
                y[n * outF + o] = s;
            }
        return y;
    }

    public static double[] LayerNorm(double[] x, int rows, int d, float[] g, float[] b, double eps)
    {
        var y = new double[x.Length];
        for (int n = 0; n < rows; n++)
        {
            double mean = 0, v = 0;
            for (int i = 0; i < d; i++) mean += x[n * d + i];
            mean /= d;
            for (int i = 0; i < d; i++) v += Math.Pow(x[n * d + i] - mean, 2);
            v /= d;
            for (int i = 0; i < d; i++) y[n * d + i] = (x[n * d + i] - mean) / Math.Sqrt(v + eps) * g[i] + b[i];
        }
        return y;
    }

    /// <summary>erf in double: Maclaurin series for |x| &lt; 3, asymptotic erfc beyond (error &lt; 1e-12).</summary>
    public static double Erf(double x)
    {
        double ax = Math.Abs(x);
        double r;
        if (ax < 3)
        {
            double term = ax, sum = ax, x2 = ax * ax;
            for (int n = 1; n < 200; n++)
            {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.Abs(add) < 1e-17) break;
            }
            r = 2 / Math.Sqrt(Math.PI) * sum;
        }
        else
        {
            double x2 = ax * ax, series = 1, t = 1;
            for (int n = 1; n < 8; n++) { t *= -(2 * n - 1) / (2 * x2); series += t; }
            r = 1 - Math.Exp(-x2) / (ax * Math.Sqrt(Math.PI)) * series;
        }
        return x < 0 ? -r : r;
    }

    public static double Gelu(double x) => 0.5 * x * (1 + Erf(x / Math.Sqrt(2)));

    /// <summary>Softmax over the last axis of length n.</summary>
    public static double[] Softmax(double[] x, int n)
    {
        var y = new double[x.Length];
        for (int r = 0; r < x.Length / n; r++)
        {
            double max = double.NegativeInfinity, sum = 0;
            for (int i = 0; i < n; i++) max = Math.Max(max, x[r * n + i]);
            for (int i = 0; i < n; i++) sum += y[r * n + i] = Math.Exp(x[r * n + i] - max);
            for (int i = 0; i < n; i++) y[r * n + i] /= sum;
        }
        return y;
    }

    /// <summary>
    /// nn.MultiheadAttention (batch_first) self-attention. keep[b, t] = false excludes key t for batch b
    /// (every row must keep at least one key).
    /// </summary>
    public static double[] MultiHeadSelfAttention(double[] x, int batch, int tokens, int d, int heads, MultiHeadAttentionWeights w, bool[]? keep)
    {
        int hd = d / heads;
        var qkv = Linear(x, batch * tokens, d, w.InProjWeight, w.InProjBias, 3 * d); // [B*T, 3D]
        var ctx = new double[batch * tokens * d];
        double scale = 1 / Math.Sqrt(hd);
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < tokens; i++)
                {
                    var scores = new double[tokens];
                    double max = double.NegativeInfinity;
                    for (int j = 0; j < tokens; j++)
                    {
                        if (keep is not null && !keep[b * tokens + j]) { scores[j] = double.NegativeInfinity; continue; }
                        double s = 0;
                        for (int e = 0; e < hd; e++)
                            s += qkv[(b * tokens + i) * 3 * d + h * hd + e] * qkv[(b * tokens + j) * 3 * d + d + h * hd + e];
                        scores[j] = s * scale;
                        max = Math.Max(max, scores[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < tokens; j++) sum += scores[j] = double.IsNegativeInfinity(scores[j]) ? 0 : Math.Exp(scores[j] - max);
                    for (int e = 0; e < hd; e++)
                    {
                        double acc = 0;
                        for (int j = 0; j < tokens; j++) acc += scores[j] / sum * qkv[(b * tokens + j) * 3 * d + 2 * d + h * hd + e];
                        ctx[(b * tokens + i) * d + h * hd + e] = acc;
                    }
                }
        return Linear(ctx, batch * tokens, d, w.OutProjWeight, w.OutProjBias, d);
    }

    /// <summary>Post-norm, ReLU: nn.TransformerEncoderLayer defaults.</summary>
    public static double[] PostNormReluEncoderLayer(double[] x, int batch, int tokens, int heads, TransformerEncoderLayerWeights w, bool[]? keep, double eps = 1e-5)
    {
        int d = w.EmbedDim, f = w.FeedForwardDim, rows = batch * tokens;
        var a = MultiHeadSelfAttention(x, batch, tokens, d, heads, w.SelfAttention, keep);
        var h = LayerNorm(x.Zip(a, (p, q) => p + q).ToArray(), rows, d, w.Norm1Weight, w.Norm1Bias, eps);
        var ff = Linear(h, rows, d, w.Linear1Weight, w.Linear1Bias, f).Select(v => Math.Max(v, 0)).ToArray();
        ff = Linear(ff, rows, f, w.Linear2Weight, w.Linear2Bias, d);
        return LayerNorm(h.Zip(ff, (p, q) => p + q).ToArray(), rows, d, w.Norm2Weight, w.Norm2Bias, eps);
    }

    public static double[] EncoderLayer(double[] x, int batch, int tokens, int heads, TransformerEncoderLayerWeights w, bool[]? keep, double eps = 1e-5)
    {
        int d = w.EmbedDim, f = w.FeedForwardDim, rows = batch * tokens;
        var n1 = LayerNorm(x, rows, d, w.Norm1Weight, w.Norm1Bias, eps);
        var a = MultiHeadSelfAttention(n1, batch, tokens, d, heads, w.SelfAttention, keep);
        var h = x.Zip(a, (p, q) => p + q).ToArray();
        var n2 = LayerNorm(h, rows, d, w.Norm2Weight, w.Norm2Bias, eps);
        var ff = Linear(n2, rows, d, w.Linear1Weight, w.Linear1Bias, f).Select(Gelu).ToArray();
        ff = Linear(ff, rows, f, w.Linear2Weight, w.Linear2Bias, d);
        return h.Zip(ff, (p, q) => p + q).ToArray();
    }

    public static double[] MaskedMeanPool(double[] x, int batch, int tokens, int d, float[] mask)
    {
        var y = new double[batch * d];
        for (int b = 0; b < batch; b++)
        {
            double count = 0;
            for (int t = 0; t < tokens; t++) count += mask[b * tokens + t];
            for (int e = 0; e < d; e++)
            {
                double s = 0;
                for (int t = 0; t < tokens; t++) s += x[(b * tokens + t) * d + e] * mask[b * tokens + t];
                y[b * d + e] = s / Math.Max(count, 1);
            }
        }
        return y;
    }

    public static double[] ToDouble(float[] x) => x.Select(v => (double)v).ToArray();
}

/// <summary>Random PyTorch-layout weights.</summary>
public static class Weights
{
    public static float[] Uniform(Random rng, int n, double scale)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)((rng.NextDouble() * 2 - 1) * scale);
        return a;
    }

    public static MultiHeadAttentionWeights Mha(Random rng, int d) => new(
        Uniform(rng, 3 * d * d, 1 / Math.Sqrt(d)), Uniform(rng, 3 * d, 0.1),
        Uniform(rng, d * d, 1 / Math.Sqrt(d)), Uniform(rng, d, 0.1));

    public static TransformerEncoderLayerWeights Layer(Random rng, int d, int f) => new(
        Uniform(rng, d, 0.2).Select(v => 1 + v).ToArray(), Uniform(rng, d, 0.1),
        Mha(rng, d),
        Uniform(rng, d, 0.2).Select(v => 1 + v).ToArray(), Uniform(rng, d, 0.1),
        Uniform(rng, f * d, 1 / Math.Sqrt(d)), Uniform(rng, f, 0.1),
        Uniform(rng, d * f, 1 / Math.Sqrt(f)), Uniform(rng, d, 0.1));
}
