using System.CommandLine;
using Scratch.Tensors;

namespace Scratch.Bench.Commands;

/// <summary><c>tour</c>: the README's walk through storage, shape, strides, offset, a view and a broadcast, with real output.</summary>
internal static class TourCommand
{
    public static Command Create()
    {
        var command = new Command("tour", "Print a short tour of the NDArray layout.");
        command.SetAction(_ =>
        {
            var x = NDArray.Arange(12).Reshape(3, 4);
            Show("var x = NDArray.Arange(12).Reshape(3, 4);", x);
            var view = x.Slice(0, 1, 3).Slice(1, 1, 4, 2);
            Show("var view = x.Slice(0, 1, 3).Slice(1, 1, 4, 2);   // rows 1..2, every other column from 1", view);
            var t = x.T;
            Show("var t = x.T;   // no copy: the strides swap", t);
            var flipped = x[Ix.Step(-1), 1..];
            Show("var flipped = x[Ix.Step(-1), 1..];   // NumPy's x[::-1, 1:]: rows backwards (a negative stride), columns from 1", flipped);
            var row = NDArray.FromArray([10f, 20f, 30f, 40f]);
            Show("var row = NDArray.FromArray([10f, 20f, 30f, 40f]);\nvar sum = x + row;   // the row broadcasts over every row of x (stride 0)", x + row);
            Show("var b = row.BroadcastTo(3, 4);", row.BroadcastTo(3, 4));
            return 0;
        });
        return command;
    }

    private static void Show(string code, NDArray a)
    {
        Console.WriteLine(code);
        Console.WriteLine(a);
        Console.WriteLine(a.Describe());
        Console.WriteLine();
    }
}
