using ScottPlot;
using Scratch.Bench.Plots;
using Scratch.Nn;
using Scratch.Tensors;

namespace Scratch.Bench.Experiments;

/// <summary>Convolution output sizes <c>OH = (H + 2P − FH)/S + 1</c> checked against our Convolution, a sliding window drawn, and pooling by hand.</summary>
internal sealed class ConvArithmeticExperiment : Experiment
{
    public override string Name => "conv-arithmetic";
    public override string Description => "Output sizes (H + 2P − FH)/S + 1 against our Convolution; a window sliding over a padded input; max and average pooling.";

    public override void Run(ExperimentContext context)
    {
        var cases = new (int H, int FH, int Pad, int Stride)[] { (4, 3, 1, 1), (7, 3, 0, 2), (28, 5, 0, 1), (28, 5, 2, 1), (28, 3, 1, 2), (32, 5, 0, 3) };
        context.Note("   H  FH  pad stride   formula  Convolution.Forward");
        foreach (var (h, fh, pad, stride) in cases)
        {
            int formula = (h + 2 * pad - fh) / stride + 1;
            var conv = new Convolution(NDArray.Ones(1, 1, fh, fh), NDArray.Zeros(1), stride, pad);
            int measured = conv.Forward(NDArray.Ones(1, 1, h, h)).Dim(2);
            context.Note($"  {h,3} {fh,3} {pad,4} {stride,6} {formula,9} {measured,20}");
            context.Report($"OH for H {h}, FH {fh}, pad {pad}, stride {stride}", measured, $"{formula}", "F0");
        }

        // Max and average pooling, 2×2 with stride 2, on the book's 4×4 example.
        float[] input = [1, 2, 3, 0, 0, 1, 2, 4, 1, 0, 4, 2, 3, 2, 0, 1];
        NDArray x = NDArray.FromArray(input, 1, 1, 4, 4);
        float[] max = new MaxPooling(2, 2, 2).Forward(x).ToArray(), avg = new AvgPooling(2, 2, 2).Forward(x).ToArray();
        context.Report("max pooling 2×2/2 of the 4×4 example", max.Sum(), $"[[2, 4], [3, 4]] → sum 13: [{string.Join(", ", max)}]", "F0");
        context.Report("average pooling 2×2/2 of the 4×4 example", avg.Sum(), $"[[1, 2.25], [1.5, 1.75]] → sum 6.5: [{string.Join(", ", avg)}]", "F2");

        var plots = new List<Plot>();
        // A 5×5 input, pad 1 (grey ring), 3×3 window at stride 2: the four window positions and the 3×3 output.
        for (int k = 0; k < 4; k++)
        {
            var plot = new Plot();
            int top = k / 2 * 2, left = k % 2 * 2;
            for (int r = 0; r < 7; r++)
                for (int c = 0; c < 7; c++)
                {
                    bool padding = r == 0 || c == 0 || r == 6 || c == 6;
                    var cell = plot.Add.Rectangle(c, c + 1, 6 - r, 7 - r);
                    cell.FillColor = padding ? Colors.LightGrey : Colors.White;
                    cell.LineColor = Colors.Grey;
                }
            var window = plot.Add.Rectangle(left, left + 3, 7 - top - 3, 7 - top);
            window.FillColor = Colors.Orange.WithAlpha(0.35);
            window.LineColor = Colors.OrangeRed;
            window.LineWidth = 3;
            plot.Axes.SetLimits(-0.3, 7.3, -0.3, 7.3);
            plot.Axes.SquareUnits();
            plot.HideAxesAndGrid();
            plot.Title($"pad 1, stride 2: output ({k / 2}, {k % 2})", size: 13);
            plots.Add(plot);
        }
        foreach (var (name, values) in new[] { ("input 4×4", input), ("max pool 2×2/2", max), ("avg pool 2×2/2", avg) })
        {
            int n = (int)Math.Sqrt(values.Length);
            var plot = new Plot();
            Panels.Image(plot, Panels.ToGrid(values, n, n), name, new ScottPlot.Colormaps.Viridis(), opacity: 0.5);
            for (int r = 0; r < n; r++)
                for (int c = 0; c < n; c++)
                {
                    var label = plot.Add.Text(values[r * n + c].ToString("0.##"), c + 0.5, n - r - 0.5);
                    label.LabelAlignment = Alignment.MiddleCenter;
                    label.LabelFontSize = 18;
                }
            plots.Add(plot);
        }
        Panels.SaveGrid(context.Figure("conv-arithmetic.png"), plots, columns: 4, panelWidth: 280, panelHeight: 280);
    }
}
