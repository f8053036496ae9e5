using ScottPlot;

namespace Scratch.Bench.Plots;

/// <summary>
/// A named curve for <see cref="Figure.Lines"/>: y over x, drawn as a line (thin and pale when <paramref name="Faint"/>, for raw data under a
/// smoothed curve; dashed when <paramref name="Dashed"/>, so a curve drawn over an equal one leaves it visible).
/// </summary>
internal sealed record Series(string Label, double[] X, double[] Y, bool Faint = false, bool Dashed = false)
{
    /// <summary>A curve over x = 0, 1, 2, …</summary>
    public static Series Of(string label, IReadOnlyList<float> y) =>
        new(label, Enumerable.Range(0, y.Count).Select(i => (double)i).ToArray(), y.Select(v => (double)v).ToArray());
}

/// <summary>PNG figures with ScottPlot: every figure is drawn, written to a temporary file and then moved into place.</summary>
internal static class Figure
{
    public const int Width = 800, Height = 500;

    /// <summary>Line plot of several series; with <paramref name="logY"/> the y axis shows log₁₀ of the values (labelled so).</summary>
    public static void Lines(string path, string title, string xLabel, string yLabel, IEnumerable<Series> series, bool logY = false,
        double? yMin = null, double? yMax = null)
    {
        var plot = new Plot();
        foreach (Series s in series)
        {
            double[] y = logY ? s.Y.Select(v => Math.Log10(Math.Max(v, 1e-12))).ToArray() : s.Y;
            var line = plot.Add.ScatterLine(s.X, y);
            line.LegendText = s.Label;
            line.LineWidth = s.Faint ? 1 : 2;
            if (s.Faint) line.Color = line.Color.WithAlpha(0.35);
            if (s.Dashed) line.LinePattern = LinePattern.Dashed;
        }
        Decorate(plot, title, xLabel, logY ? $"log₁₀ {yLabel}" : yLabel);
        if (yMin is not null || yMax is not null)
        {
            plot.Axes.AutoScale();
            var limits = plot.Axes.GetLimits();
            plot.Axes.SetLimitsY(yMin ?? limits.Bottom, yMax ?? limits.Top);
        }
        Save(plot, path);
    }

    /// <summary>Title, axis labels and a legend when any plottable has a label.</summary>
    public static void Decorate(Plot plot, string title, string xLabel, string yLabel)
    {
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        if (plot.GetPlottables().Any(p => p.LegendItems.Any(item => !string.IsNullOrEmpty(item.LabelText))))
            plot.ShowLegend(Alignment.UpperRight);
    }

    /// <summary>Writes <paramref name="plot"/> as a PNG of <paramref name="width"/>×<paramref name="height"/>, atomically.</summary>
    public static void Save(Plot plot, string path, int width = Width, int height = Height)
    {
        string temp = path + ".tmp.png";
        try
        {
            plot.SavePng(temp, width, height);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>The book's <c>smooth_curve</c>: a Kaiser-window (β = 2, length 11) moving average with the ends mirrored, same length as the input.</summary>
    /// <remarks>
    /// <c>s = np.r_[x[window_len-1:0:-1], x, x[-1:-window_len:-1]]; w = np.kaiser(11, 2); y = np.convolve(w/w.sum(), s, mode='valid'); return y[5:len(y)-5]</c>.
    /// Inputs shorter than the window are returned unchanged.
    /// </remarks>
    public static double[] SmoothCurve(IReadOnlyList<float> x)
    {
        const int windowLength = 11;
        if (x.Count < windowLength) return x.Select(v => (double)v).ToArray();
        // s = x[10], …, x[1], x[0..n), x[n−1], …, x[n−10]
        var s = new List<double>();
        for (int i = windowLength - 1; i > 0; i--) s.Add(x[i]);
        s.AddRange(x.Select(v => (double)v));
        for (int i = x.Count - 1; i > x.Count - windowLength; i--) s.Add(x[i]);
        double[] w = Kaiser(windowLength, 2.0);
        double sum = w.Sum();
        int valid = s.Count - windowLength + 1;
        var y = new double[valid];
        for (int i = 0; i < valid; i++)
            for (int k = 0; k < windowLength; k++)
                y[i] += w[windowLength - 1 - k] / sum * s[i + k];   // np.convolve flips the kernel (symmetric here anyway)
        return y[5..(valid - 5)];
    }

    /// <summary>NumPy's <c>np.kaiser(m, beta)</c>: <c>I0(β·√(1 − (2n/(m−1) − 1)²)) / I0(β)</c>.</summary>
    private static double[] Kaiser(int m, double beta)
    {
        var w = new double[m];
        for (int n = 0; n < m; n++)
        {
            double r = 2.0 * n / (m - 1) - 1;
            w[n] = BesselI0(beta * Math.Sqrt(1 - r * r)) / BesselI0(beta);
        }
        return w;
    }

    /// <summary>Modified Bessel function of the first kind, order 0, by its power series Σ ((x/2)^k / k!)².</summary>
    private static double BesselI0(double x)
    {
        double term = 1, sum = 1;
        for (int k = 1; k < 50; k++)
        {
            term *= x / 2 / k;
            sum += term * term;
        }
        return sum;
    }
}
