using ScottPlot;
using Scratch.Tensors;

namespace Scratch.Bench.Plots;

/// <summary>Figures made of several plots, and the pieces the experiments draw: decision regions, images, histograms.</summary>
internal static class Panels
{
    /// <summary>Lays <paramref name="plots"/> out in a grid of <paramref name="columns"/> and saves one PNG (atomically).</summary>
    public static void SaveGrid(string path, IReadOnlyList<Plot> plots, int columns, int panelWidth = 320, int panelHeight = 260)
    {
        int rows = (plots.Count + columns - 1) / columns;
        var multiplot = new Multiplot();
        multiplot.Reset(plots[0]);
        foreach (Plot plot in plots.Skip(1)) multiplot.AddPlot(plot);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(rows, columns);
        string temp = path + ".tmp.png";
        try
        {
            multiplot.SavePng(temp, columns * panelWidth, rows * panelHeight);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>
    /// Colours the square [lo, hi]² by <paramref name="score"/> at a grid of points (a probability or a class index) and
    /// draws the samples on top, one colour per class.
    /// </summary>
    public static void DecisionRegions(Plot plot, Func<NDArray, NDArray> score, double lo, double hi, NDArray x, int[] classes, int resolution = 120)
    {
        var grid = new float[resolution * resolution * 2];
        for (int r = 0; r < resolution; r++)
            for (int c = 0; c < resolution; c++)
            {
                grid[2 * (r * resolution + c)] = (float)(lo + (hi - lo) * (c + 0.5) / resolution);
                grid[2 * (r * resolution + c) + 1] = (float)(hi - (hi - lo) * (r + 0.5) / resolution);   // row 0 is the top
            }
        float[] z = score(NDArray.FromArray(grid, resolution * resolution, 2)).ToArray();
        var values = new double[resolution, resolution];
        for (int r = 0; r < resolution; r++)
            for (int c = 0; c < resolution; c++)
                values[r, c] = z[r * resolution + c];
        var heatmap = plot.Add.Heatmap(values);
        double half = (hi - lo) / resolution / 2;
        heatmap.Extent = new CoordinateRect(lo + half, hi - half, lo + half, hi - half);   // ScottPlot's extent runs from the first cell's centre to the last's
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        heatmap.Opacity = 0.55;
        float[] points = x.ToArray();
        Color[] palette = [Colors.Red, Colors.Blue, Colors.Orange, Colors.Black];
        foreach (int k in classes.Distinct().Order())
        {
            int[] rows = Enumerable.Range(0, classes.Length).Where(i => classes[i] == k).ToArray();
            var markers = plot.Add.Markers(rows.Select(i => (double)points[2 * i]).ToArray(), rows.Select(i => (double)points[2 * i + 1]).ToArray(),
                MarkerShape.FilledCircle, 6, palette[k % palette.Length]);
            markers.LegendText = $"class {k}";
        }
        plot.Axes.SetLimits(lo, hi, lo, hi);
    }

    /// <summary>A grey image (row 0 at the top), one unit per pixel, without axes.</summary>
    public static void Image(Plot plot, double[,] pixels, string title, IColormap? colormap = null, double opacity = 1)
    {
        var heatmap = plot.Add.Heatmap(pixels);
        // cell (r, c) spans [c, c+1] × [rows−r−1, rows−r]; ScottPlot's extent runs from the first cell's centre to the last's
        heatmap.Extent = new CoordinateRect(0.5, pixels.GetLength(1) - 0.5, 0.5, pixels.GetLength(0) - 0.5);
        heatmap.Colormap = colormap ?? new ScottPlot.Colormaps.Grayscale();
        heatmap.Opacity = opacity;
        plot.Title(title);
        plot.HideGrid();
        foreach (var axis in new ScottPlot.IAxis[] { plot.Axes.Left, plot.Axes.Bottom, plot.Axes.Right })   // no ticks or frame, but keep the title
        {
            axis.TickLabelStyle.IsVisible = false;
            axis.MajorTickStyle.Length = 0;
            axis.MinorTickStyle.Length = 0;
            axis.FrameLineStyle.Width = 0;
        }
        plot.Axes.Top.FrameLineStyle.Width = 0;
        plot.Axes.SquareUnits();
    }

    /// <summary>Tiles square images into one array, <paramref name="columns"/> per row, with a one-pixel NaN gap (drawn transparent).</summary>
    public static double[,] Tile(IReadOnlyList<double[,]> images, int columns)
    {
        int h = images[0].GetLength(0), w = images[0].GetLength(1);
        int rows = (images.Count + columns - 1) / columns;
        var tiled = new double[rows * (h + 1) - 1, columns * (w + 1) - 1];
        for (int r = 0; r < tiled.GetLength(0); r++)
            for (int c = 0; c < tiled.GetLength(1); c++)
                tiled[r, c] = double.NaN;
        for (int k = 0; k < images.Count; k++)
        {
            int top = k / columns * (h + 1), left = k % columns * (w + 1);
            double min = images[k].Cast<double>().Min(), max = images[k].Cast<double>().Max();
            for (int r = 0; r < h; r++)
                for (int c = 0; c < w; c++)
                    tiled[top + r, left + c] = max > min ? (images[k][r, c] - min) / (max - min) : 0.5;   // each tile scaled to [0, 1]
        }
        return tiled;
    }

    /// <summary>A (rows, columns) slice of a float array as a 2-D double array.</summary>
    public static double[,] ToGrid(ReadOnlySpan<float> values, int rows, int columns)
    {
        var grid = new double[rows, columns];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
                grid[r, c] = values[r * columns + c];
        return grid;
    }

    /// <summary>A histogram of <paramref name="values"/> over [lo, hi] with <paramref name="bins"/> bins.</summary>
    public static void Histogram(Plot plot, IEnumerable<double> values, double lo, double hi, int bins, string title)
    {
        var histogram = ScottPlot.Statistics.Histogram.WithBinCount(bins, lo, hi);
        histogram.AddRange(values);
        plot.Add.Histogram(histogram);
        plot.Title(title);
        plot.Axes.Margins(bottom: 0);
    }
}
