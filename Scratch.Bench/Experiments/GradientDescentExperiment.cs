using ScottPlot;
using Scratch.Bench.Plots;
using Scratch.Nn;
using Scratch.Tensors;

namespace Scratch.Bench.Experiments;

/// <summary>Gradient descent by numerical gradient (the book's ch04 <c>gradient_descent</c>) on 1-D functions and on x0² + x1².</summary>
internal sealed class GradientDescentExperiment : Experiment
{
    public override string Name => "gradient-descent";
    public override string Description => "Paths of gradient descent on x², 0.01x⁴ − 0.3x³ − x + 10 and x·sin(x²) + 1, learning rates too small and too large; x0² + x1² as arrows.";

    private static readonly (string Name, Func<double, double> F, double Lo, double Hi, double[] Starts, double[] Rates)[] Functions =
    [
        ("x²", x => x * x, -4, 4, [3.5], [0.1, 0.01, 1.05]),
        ("0.01x⁴ − 0.3x³ − x + 10", x => 0.01 * Math.Pow(x, 4) - 0.3 * Math.Pow(x, 3) - x + 10, -6, 26, [-4, 5, 25], [0.01, 0.001, 0.07]),
        ("x·sin(x²) + 1", x => x * Math.Sin(x * x) + 1, -3, 3, [-2.5, 0.6, 2.2], [0.01, 0.001, 0.4]),
    ];

    public override void Run(ExperimentContext context)
    {
        const int steps = 20;
        var plots = new List<Plot>();
        foreach (var (name, f, lo0, hi0, starts, rates) in Functions)
            foreach (double lr in rates)
            {
                double lo = lo0, hi = hi0;
                var plot = new Plot();
                double[][] paths = starts.Select(start => Path1D(f, start, lr, steps)).ToArray();
                if (name == "x²") (lo, hi) = (Math.Min(lo, paths.Min(p => p.Min())), Math.Max(hi, paths.Max(p => p.Max())));   // show the divergence
                double[] xs = Enumerable.Range(0, 301).Select(i => lo + (hi - lo) * i / 300).ToArray();
                plot.Add.ScatterLine(xs, xs.Select(f).ToArray(), Colors.Grey).LineWidth = 2;
                for (int k = 0; k < starts.Length; k++)
                {
                    double[] path = paths[k];
                    double[] shown = path.TakeWhile(p => p >= lo && p <= hi).ToArray();   // the path until it leaves the plot
                    var line = plot.Add.Scatter(shown, shown.Select(f).ToArray());
                    line.MarkerSize = 6;
                    if (name == "x²") context.Report($"x² from {starts[k]}, lr {lr}: x after {steps} steps", path[^1], lr switch
                    {
                        0.1 => $"3.5·0.8^{steps} = {3.5 * Math.Pow(0.8, steps):F4}",
                        0.01 => $"3.5·0.98^{steps} = {3.5 * Math.Pow(0.98, steps):F4} (too small)",
                        _ => $"3.5·(−1.1)^{steps} = {3.5 * Math.Pow(-1.1, steps):F4} (too large)",
                    });
                }
                double[] ys = xs.Select(f).ToArray();
                plot.Axes.SetLimits(lo, hi, ys.Min() - 0.1 * (ys.Max() - ys.Min()), ys.Max() + 0.1 * (ys.Max() - ys.Min()));
                plot.Title($"{name}, lr {lr}");
                plots.Add(plot);
            }
        Panels.SaveGrid(context.Figure("gradient-descent-1d.png"), plots, columns: 3, panelWidth: 360, panelHeight: 280);

        // The book's gradient_method on f(x0, x1) = x0² + x1² from (−3, 4), lr 0.1, 100 steps, by numerical gradient (h = 1e-4 in float64 there; 1e-2 in float32 here).
        var plot2d = new Plot();
        for (double a = -4; a <= 4.01; a += 0.5)
            for (double b = -4; b <= 4.01; b += 0.5)
            {
                if (a == 0 && b == 0) continue;
                var arrow = plot2d.Add.Arrow(a, b, a - 0.08 * 2 * a, b - 0.08 * 2 * b);   // −∇f, scaled
                arrow.ArrowFillColor = Colors.SteelBlue;
                arrow.ArrowLineColor = Colors.SteelBlue;
                arrow.ArrowWidth = 1.5f;
                arrow.ArrowheadWidth = 7;
                arrow.ArrowheadLength = 7;
            }
        foreach (var (lr, color) in new[] { (0.01, Colors.Orange), (0.1, Colors.Red) })
        {
            var (p0, p1, trail) = Path2D(lr, 100);
            var line = plot2d.Add.Scatter(trail.Select(p => p.X).ToArray(), trail.Select(p => p.Y).ToArray(), color);
            line.LegendText = $"lr {lr}";
            line.MarkerSize = 5;
            context.Report($"x0² + x1² from (−3, 4), lr {lr}: |x| after 100 steps", Math.Sqrt(p0 * p0 + p1 * p1),
                lr == 0.1 ? "(−6.1e-10, 8.1e-10): |x| ≈ 1.0e-9" : "5·0.98^100 = 0.6631", "G3");
        }
        plot2d.Axes.SetLimits(-4.5, 4.5, -4.5, 4.5);
        plot2d.Axes.SquareUnits();
        Figure.Decorate(plot2d, "−∇(x0² + x1²) and gradient-descent paths", "x0", "x1");
        Figure.Save(plot2d, context.Figure("gradient-descent-2d.png"), 640, 640);
    }

    /// <summary>x ← x − lr·f′(x) with the central difference f′(x) ≈ (f(x + h) − f(x − h)) / 2h, h = 1e-4; the start and every step.</summary>
    private static double[] Path1D(Func<double, double> f, double x, double lr, int steps)
    {
        var path = new double[steps + 1];
        path[0] = x;
        for (int i = 1; i <= steps; i++)
        {
            const double h = 1e-4;
            x -= lr * (f(x + h) - f(x - h)) / (2 * h);
            path[i] = double.IsFinite(x) ? x : path[i - 1];
        }
        return path;
    }

    /// <summary>The book's <c>gradient_descent(f, init_x=[-3, 4], lr, step_num)</c> with our <see cref="Scratch.Nn.Functions.NumericalGradient"/>.</summary>
    private static (double X0, double X1, List<Coordinates> Trail) Path2D(double lr, int steps)
    {
        NDArray x = NDArray.FromArray([-3f, 4f], 2);
        var trail = new List<Coordinates> { new(-3, 4) };
        for (int i = 0; i < steps; i++)
        {
            NDArray grad = Scratch.Nn.Functions.NumericalGradient(v => (v * v).Sum().Item(), x, 1e-2f);
            x = x - grad * (float)lr;
            trail.Add(new Coordinates(x[0], x[1]));
        }
        return (x[0], x[1], trail);
    }
}
