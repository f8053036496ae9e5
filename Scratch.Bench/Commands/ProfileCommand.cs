using System.CommandLine;
using System.Diagnostics;
using Scratch.Data;
using Scratch.Nn;
using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Bench.Commands;

/// <summary><c>profile</c>: where a training step's time goes, layer by layer (forward and backward), for one of the book's networks.</summary>
internal static class ProfileCommand
{
    public static Command Create()
    {
        var network = new Option<string>("--network") { Description = "simpleconv, deepconv or mlp", DefaultValueFactory = _ => "simpleconv" };
        var steps = new Option<int>("--steps") { Description = "timed steps (after 3 warm-up steps)", DefaultValueFactory = _ => 20 };
        var algorithm = new Option<string>("--conv") { Description = "convolution algorithm: batch (one product per batch) or reference (the book's im2col)", DefaultValueFactory = _ => "batch" };
        var command = new Command("profile", "Time each layer's Forward and Backward over training steps of batch 100, then whole steps as Sequential.Gradient runs them.") { network, steps, algorithm };
        command.SetAction(result => Program.Guarded(() => Run(result.GetValue(network)!, result.GetValue(steps), result.GetValue(algorithm)!)));
        return command;
    }

    private static int Run(string name, int steps, string algorithm)
    {
        bool flatten = name == "mlp";
        var ((x, t), _) = Mnist.LoadEmbedded(flatten: flatten);
        Sequential network = name switch
        {
            "simpleconv" => new SimpleConvNet(weightInit: WeightInit.He),
            "deepconv" => new DeepConvNet(),
            "mlp" => new MultiLayerNetExtend(784, [100, 100, 100, 100], 10, useDropout: true, dropoutRatio: 0.2f, useBatchnorm: true),
            _ => throw new ArgumentException($"profile: unknown network '{name}'; expected simpleconv, deepconv or mlp."),
        };
        ConvolutionAlgorithm convolution = algorithm switch
        {
            "batch" => ConvolutionAlgorithm.BatchGemm,
            "reference" => ConvolutionAlgorithm.Im2ColReference,
            _ => throw new ArgumentException($"profile: unknown --conv '{algorithm}'; expected batch or reference."),
        };
        foreach (var conv in network.Layers.OfType<Convolution>()) conv.Algorithm = convolution;
        var optimizer = new Adam(1e-3f);
        int layers = network.Layers.Count;
        var forward = new double[layers];
        var backward = new double[layers];
        double loss = 0, update = 0;
        var clock = new Stopwatch();
        for (int step = 0; step < steps + 3; step++)
        {
            bool timed = step >= 3;
            NDArray xb = x.Slice(0, step % 80 * 100, step % 80 * 100 + 100), tb = t.Slice(0, step % 80 * 100, step % 80 * 100 + 100);
            NDArray h = xb;
            for (int i = 0; i < layers; i++)
                h = Time(() => network.Layers[i].Forward(h, training: true), ref forward[i], timed);
            NDArray dout = Time(() => { network.LastLayer.Forward(h, tb); return network.LastLayer.Backward(1f); }, ref loss, timed);
            for (int i = layers - 1; i >= 0; i--)
                dout = Time(() => network.Layers[i].Backward(dout), ref backward[i], timed);
            Time(() => { optimizer.Update(network.Parameters); return dout; }, ref update, timed);
        }
        double total = forward.Sum() + backward.Sum() + loss + update;
        Console.WriteLine($"{name}: ms per step of batch 100, mean of {steps} steps; total {total / steps:F2} ms");
        Console.WriteLine($"{"layer",-24} {"forward",9} {"backward",9} {"share",7}");
        for (int i = 0; i < layers; i++)
            Console.WriteLine($"{i + 1,2} {network.Layers[i].GetType().Name,-21} {forward[i] / steps,9:F3} {backward[i] / steps,9:F3} {(forward[i] + backward[i]) / total,7:P1}");
        Console.WriteLine($"{"loss (softmax + CE)",-24} {loss / steps,9:F3} {"",9} {loss / total,7:P1}");
        Console.WriteLine($"{"optimizer update",-24} {update / steps,9:F3} {"",9} {update / total,7:P1}");

        // Whole steps as training runs them: ReLU fused into the layer before it, no dx for the first layer. One warm-up
        // step first: the fused paths own buffers of their own (e.g. MaxPooling's masked dout), made on first use.
        network.Gradient(x.Slice(0, 0, 100), t.Slice(0, 0, 100));
        long bytes = GC.GetAllocatedBytesForCurrentThread();
        clock.Restart();
        for (int step = 0; step < steps; step++)
        {
            NDArray xb = x.Slice(0, step % 80 * 100, step % 80 * 100 + 100), tb = t.Slice(0, step % 80 * 100, step % 80 * 100 + 100);
            network.Gradient(xb, tb);
            optimizer.Update(network.Parameters);
        }
        double wholeStep = clock.Elapsed.TotalMilliseconds / steps;
        bytes = (GC.GetAllocatedBytesForCurrentThread() - bytes) / steps;
        Console.WriteLine($"{"whole step (Gradient + update)",-34} {wholeStep,9:F3} ms, {bytes} bytes allocated per step (batch views included)");
        Console.WriteLine("(a whole step fuses each ReLU into the layer before it, and pooling into the convolution before that,");
        Console.WriteLine(" and skips the first layer's dx, which the rows above include: it can take less than their total)");
        return 0;

        NDArray Time(Func<NDArray> work, ref double milliseconds, bool timed)
        {
            clock.Restart();
            NDArray result = work();
            if (timed) milliseconds += clock.Elapsed.TotalMilliseconds;
            return result;
        }
    }
}
