using ScottPlot;
using Scratch.Bench.Plots;
using Scratch.Nn;
using Scratch.Tensors;

namespace Scratch.Bench.Experiments;

/// <summary>The book's ch05 shopping example with Mul and Add nodes: 2 apples at 100, 3 oranges at 150, tax 1.1.</summary>
internal sealed class ComputationalGraphExperiment : Experiment
{
    public override string Name => "computational-graph";
    public override string Description => "Apples and oranges through Mul and Add nodes: forward price, backward derivatives, and the graph drawn with them.";

    public override void Run(ExperimentContext context)
    {
        static NDArray Scalar(float v) => NDArray.FromArray([v], 1);
        NDArray apple = Scalar(100), appleNum = Scalar(2), orange = Scalar(150), orangeNum = Scalar(3), tax = Scalar(1.1f);
        var mulApple = new Mul();
        var mulOrange = new Mul();
        var addFruit = new Add();
        var mulTax = new Mul();
        NDArray applePrice = mulApple.Forward(apple, appleNum);        // 200
        NDArray orangePrice = mulOrange.Forward(orange, orangeNum);    // 450
        NDArray allPrice = addFruit.Forward(applePrice, orangePrice);  // 650
        NDArray price = mulTax.Forward(allPrice, tax);                 // 715
        var (dAllPrice, dTax) = mulTax.Backward(Scalar(1));
        var (dApplePrice, dOrangePrice) = addFruit.Backward(dAllPrice);
        var (dOrange, dOrangeNum) = mulOrange.Backward(dOrangePrice);
        var (dApple, dAppleNum) = mulApple.Backward(dApplePrice);

        context.Report("price", price[0], "715", "G6");
        context.Report("∂price/∂apple", dApple[0], "2.2", "G6");
        context.Report("∂price/∂apple_num", dAppleNum[0], "110", "G6");
        context.Report("∂price/∂orange", dOrange[0], "3.3", "G6");
        context.Report("∂price/∂orange_num", dOrangeNum[0], "165", "G6");
        context.Report("∂price/∂tax", dTax[0], "650", "G6");

        var plot = new Plot();
        var nodes = new (string Label, double X, double Y)[]
        {
            ("×", 2, 3), ("×", 2, 1), ("+", 4, 2), ("×", 6, 2),
        };
        foreach (var (label, x, y) in nodes)
        {
            plot.Add.Marker(x, y, MarkerShape.FilledCircle, 46, Colors.LightSteelBlue);
            var text = plot.Add.Text(label, x, y);
            text.LabelFontSize = 24;
            text.LabelAlignment = Alignment.MiddleCenter;
        }
        // an edge with its forward value above and its backward value below, written near the start (inputs) or the middle
        void Edge(double x1, double y1, double x2, double y2, string forward, string backward, bool labelAtStart = false, bool labelRight = false)
        {
            var arrow = plot.Add.Arrow(x1, y1, x2, y2);
            arrow.ArrowLineColor = Colors.Black;
            arrow.ArrowFillColor = Colors.Black;
            arrow.ArrowWidth = 2;
            arrow.ArrowheadWidth = 12;
            arrow.ArrowheadLength = 14;
            double mx = labelAtStart ? x1 + 0.45 : (x1 + x2) / 2, my = labelAtStart ? y1 + (y2 - y1) * 0.45 / (x2 - x1) : (y1 + y2) / 2;
            var f = plot.Add.Text(forward, labelRight ? mx + 0.12 : mx, labelRight ? my + 0.15 : my + 0.12);
            f.LabelFontColor = Colors.DarkGreen;
            f.LabelFontSize = 15;
            f.LabelAlignment = labelRight ? Alignment.MiddleLeft : Alignment.LowerCenter;
            var b = plot.Add.Text(backward, labelRight ? mx + 0.12 : mx, labelRight ? my - 0.15 : my - 0.12);
            b.LabelFontColor = Colors.DarkRed;
            b.LabelFontSize = 15;
            b.LabelAlignment = labelRight ? Alignment.MiddleLeft : Alignment.UpperCenter;
        }
        Edge(0, 3.9, 1.75, 3.1, $"apple {apple[0]:G4}", $"{dApple[0]:G4}", labelAtStart: true);
        Edge(0, 2.1, 1.75, 2.9, $"apple_num {appleNum[0]:G4}", $"{dAppleNum[0]:G4}", labelAtStart: true);
        Edge(0, 1.9, 1.75, 1.1, $"orange {orange[0]:G4}", $"{dOrange[0]:G4}", labelAtStart: true);
        Edge(0, 0.1, 1.75, 0.9, $"orange_num {orangeNum[0]:G4}", $"{dOrangeNum[0]:G4}", labelAtStart: true);
        Edge(2.25, 2.9, 3.75, 2.1, $"{applePrice[0]:G4}", $"{dApplePrice[0]:G4}");
        Edge(2.25, 1.1, 3.75, 1.9, $"{orangePrice[0]:G4}", $"{dOrangePrice[0]:G4}");
        Edge(4.25, 2, 5.75, 2, $"{allPrice[0]:G4}", $"{dAllPrice[0]:G4}");
        Edge(6, 0.3, 6, 1.75, $"tax {tax[0]:G4}", $"{dTax[0]:G4}", labelRight: true);
        Edge(6.25, 2, 7.6, 2, $"price {price[0]:G4}", "1");
        plot.Axes.SetLimits(-0.5, 8.1, -0.3, 4.3);
        plot.HideAxesAndGrid();
        plot.Title("shopping with Mul and Add nodes: forward values above (green), ∂price/∂· below (red)");
        Figure.Save(plot, context.Figure("computational-graph.png"), 1000, 520);
    }
}
