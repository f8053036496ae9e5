using System.CommandLine;
using Scratch.Bench.Runs;
using Scratch.Tensors;

namespace Scratch.Bench.Commands;

/// <summary><c>predict</c>: one digit through a trained network: the picture in the terminal and the three likeliest classes.</summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "a run directory, or a checkpoint file (.safetensors rebuilds its own network; .npz needs metrics.json beside it or --network)", Required = true };
        var network = new Option<string?>("--network") { Description = "the network the checkpoint holds, when no metrics.json is beside it" };
        var index = new Option<int?>("--index") { Description = "a test image by its index" };
        var image = new Option<string?>("--image") { Description = "a 28×28 grey image, .png or .pgm (white digit on black, as MNIST)" };
        var dataDir = new Option<string?>("--data-dir") { Description = "the MNIST IDX files that --index refers to (default: the embedded test digits)" };
        var command = new Command("predict", "Classify one digit (a test image or a PNG/PGM file) and show the top-3 classes.")
        {
            checkpoint, network, index, image, dataDir,
        };
        command.SetAction(r => Program.Guarded(() => Run(r.GetValue(checkpoint)!, r.GetValue(network), r.GetValue(index), r.GetValue(image), r.GetValue(dataDir))));
        return command;
    }

    private static int Run(string checkpoint, string? network, int? index, string? image, string? dataDir)
    {
        if ((index is null) == (image is null)) throw new UsageException("predict: give exactly one of --index N or --image FILE.");
        SavedModel model = SavedModel.Load(checkpoint, network);
        float[] pixels;
        string label;
        if (index is int i)
        {
            var (x, t) = model.TestSet(dataDir);
            if (i < 0 || i >= x.Dim(0)) throw new UsageException($"--index must be in [0, {x.Dim(0)}), got {i}.");
            pixels = x.Slice(0, i, i + 1).ToArray();
            label = $"test image {i} (label {t[i]})";
        }
        else
        {
            pixels = GreyImage.Read(image!);
            label = image!;
        }
        int[] shape = [1, .. model.Spec.InputShape];
        NDArray probabilities = Scratch.Nn.Functions.Softmax(model.Network.Predict(NDArray.FromArray(pixels, shape)));
        float[] p = probabilities.ToArray();
        Console.WriteLine(label);
        Console.Write(GreyImage.Draw(pixels));
        foreach (int c in Enumerable.Range(0, p.Length).OrderByDescending(c => p[c]).Take(3))
            Console.WriteLine($"  {c}  {p[c]:F4}  {new string('█', (int)Math.Round(p[c] * 40))}");
        return 0;
    }
}
