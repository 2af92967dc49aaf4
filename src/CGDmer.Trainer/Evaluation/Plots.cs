using CGDmer.Model;
using CGDmer.Trainer.Training;
using ScottPlot;

namespace CGDmer.Trainer.Evaluation;

/// <summary>PNG plots of training curves and ROC curves (ScottPlot).</summary>
public static class Plots
{
    public static void LossCurves(IReadOnlyList<StepRecord> history, string path, string title)
    {
        var plot = new Plot();
        if (history.Count > 0)
        {
            double[] x = history.Select(h => (double)h.Step).ToArray();
            void Line(Func<StepRecord, double> f, string name)
            {
                var y = Smooth(history.Select(f).ToArray(), Math.Max(1, history.Count / 50));
                if (y.All(v => v == 0)) return;
                var s = plot.Add.Scatter(x, y);
                s.LegendText = name;
                s.MarkerSize = 0;
            }
            Line(h => h.Total, "total");
            Line(h => h.Masked, "masked reconstruction");
            Line(h => h.Contrastive, "contrastive (InfoNCE)");
            Line(h => h.Disentangle, "disentanglement");
        }
        plot.Title(title);
        plot.XLabel("step");
        plot.YLabel("loss (moving average)");
        plot.ShowLegend();
        plot.SavePng(path, 900, 500);
    }

    public static void RocCurves(IEnumerable<(string Name, List<(double Fpr, double Tpr, double Threshold)> Curve, double Auroc)> curves, string path, string title)
    {
        var plot = new Plot();
        foreach (var (name, curve, auroc) in curves)
        {
            var s = plot.Add.Scatter(curve.Select(p => p.Fpr).ToArray(), curve.Select(p => p.Tpr).ToArray());
            s.LegendText = $"{name} (AUROC {auroc:F3})";
            s.MarkerSize = 0;
        }
        var diag = plot.Add.Line(0, 0, 1, 1);
        diag.LinePattern = LinePattern.Dashed;
        diag.Color = Colors.Gray;
        plot.Title(title);
        plot.XLabel("false-positive rate");
        plot.YLabel("true-positive rate");
        plot.Axes.SetLimits(0, 1, 0, 1);
        plot.ShowLegend(Alignment.LowerRight);
        plot.SavePng(path, 700, 650);
    }

    private static double[] Smooth(double[] y, int w)
    {
        var r = new double[y.Length];
        double sum = 0;
        for (int i = 0; i < y.Length; i++)
        {
            sum += y[i];
            if (i >= w) sum -= y[i - w];
            r[i] = sum / Math.Min(i + 1, w);
        }
        return r;
    }
}
