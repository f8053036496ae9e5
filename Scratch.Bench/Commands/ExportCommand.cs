using System.CommandLine;
using Scratch.Nn;
using Scratch.Tensors;

namespace Scratch.Bench.Commands;

/// <summary><c>export</c>: rebuilds the network of a safetensors checkpoint and writes it as an ONNX model.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<FileInfo>("--checkpoint") { Description = "a .safetensors checkpoint (train --save FILE.safetensors); its metadata names the network", Required = true };
        var onnx = new Option<FileInfo>("--onnx") { Description = "the ONNX model to write (opset 18; input 'input', outputs 'output' = probabilities and 'logits')", Required = true };
        var command = new Command("export", "Export a trained network to ONNX, for ONNX Runtime, PyTorch or any other ONNX tool.") { checkpoint, onnx };
        command.SetAction(result => Program.Guarded(() => Run(result.GetValue(checkpoint)!, result.GetValue(onnx)!)));
        return command;
    }

    private static int Run(FileInfo checkpoint, FileInfo onnx)
    {
        Sequential network = Checkpoint.Load(checkpoint.FullName);
        Onnx.Save(network, onnx.FullName);
        onnx.Refresh();
        string description = network is IDescribedNetwork described ? described.Description.ToString() : network.GetType().Name;
        Console.WriteLine($"{description}: {network.Parameters.Sum(p => p.Value.Size):N0} parameters");
        Console.WriteLine($"wrote {onnx.FullName} ({onnx.Length:N0} bytes): input '{Onnx.InputName}' (N, …), " +
            $"outputs '{Onnx.OutputName}' (softmax probabilities) and '{Onnx.LogitsName}' (scores)");
        return 0;
    }
}
