using Scratch.Nn;
using Scratch.Tensors;

namespace Scratch.Bench.Runs;

/// <summary>One layer's row of <c>summary</c>: output shape of one sample, parameter count and floating-point operations per sample.</summary>
internal sealed record LayerCost(string Layer, int[] OutputShape, long Parameters, long Flops)
{
    /// <summary>Runs one zero sample of <paramref name="inputShape"/> through the network and costs each layer.</summary>
    /// <remarks>
    /// FLOPs count a multiply-add as 2: Affine 2·D·M, Convolution 2·(C·FH·FW)·FN·OH·OW (+ the bias); pooling one compare or add per
    /// window element; element-wise layers one operation per output (batch norm 4: subtract, divide, scale, shift).
    /// </remarks>
    public static List<LayerCost> Of(Sequential network, int[] inputShape)
    {
        var rows = new List<LayerCost>();
        NDArray x = NDArray.Zeros([1, .. inputShape]);
        foreach (ILayer layer in network.Layers)
        {
            int inputSize = x.Size;
            x = layer.Forward(x);
            long outputs = x.Size;
            long parameters = layer.Parameters.Sum(p => (long)p.Value.Size);
            long flops = layer switch
            {
                Affine a => 2L * a.W.Value.Dim(0) * a.W.Value.Dim(1) + a.B.Value.Size,
                Convolution c => (2L * c.W.Value.Size / c.W.Value.Dim(0) + 1) * outputs,   // each output: C·FH·FW multiply-adds + bias
                MaxPooling m => (long)m.PoolH * m.PoolW * outputs,
                AvgPooling a => (long)a.PoolH * a.PoolW * outputs,
                BatchNormalization or BatchNormalization2d => 4 * outputs,
                Flatten => 0,
                _ => Math.Max(outputs, inputSize),
            };
            rows.Add(new LayerCost(layer.GetType().Name, x.Shape[1..], parameters, flops));
        }
        return rows;
    }
}
