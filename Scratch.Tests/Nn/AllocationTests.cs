using Scratch.Data;
using Scratch.Nn;
using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Tests.Nn;

/// <summary>A training step allocates nothing once warm: every layer reuses its buffers, Gradient returns the same dictionary.</summary>
[NonParallelizable]
public class AllocationTests
{
    private static (NDArray Images, NDArray Flat, NDArray Labels) Batch(int n)
    {
        var ((x, t), _) = Mnist.LoadEmbedded(flatten: false);
        NDArray images = x.Slice(0, 0, n).Contiguous();
        return (images, images.Reshape(n, -1).Contiguous(), t.Slice(0, 0, n).Contiguous());
    }

    /// <summary>
    /// Bytes allocated on this thread per Gradient + Adam step, after five warm-up steps: the least over five windows of
    /// <paramref name="steps"/> steps. A step that allocates does so in every window; the runtime itself now and then
    /// allocates a few KB on the thread for its own first uses (once, not per step), which the other windows exclude.
    /// </summary>
    private static long BytesPerStep(Sequential network, NDArray x, NDArray t, int steps = 2)
    {
        var optimizer = new Adam(1e-3f);
        for (int i = 0; i < 5; i++)
        {
            network.Gradient(x, t);
            optimizer.Update(network.Parameters);
        }
        var windows = new long[5];
        for (int w = 0; w < windows.Length; w++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < steps; i++)
            {
                network.Gradient(x, t);
                optimizer.Update(network.Parameters);
            }
            windows[w] = (GC.GetAllocatedBytesForCurrentThread() - before) / steps;
        }
        TestContext.Out.WriteLine($"bytes per step in each window: {string.Join(", ", windows)}");
        return windows.Min();
    }

    [Test]
    public void SimpleConvNet_TrainingStep_AllocatesNothing()
    {
        var (images, _, labels) = Batch(100);
        Assert.That(BytesPerStep(new SimpleConvNet(weightInit: WeightInit.He), images, labels), Is.EqualTo(0));
    }

    [Test]
    public void DeepConvNet_TrainingStep_AllocatesNothing()
    {
        var (images, _, labels) = Batch(20);
        Assert.That(BytesPerStep(new DeepConvNet(), images, labels, steps: 1), Is.EqualTo(0));
    }

    [Test]
    public void MultiLayerNetExtend_TrainingStep_AllocatesNothing()
    {
        var (_, flat, labels) = Batch(100);
        var network = new MultiLayerNetExtend(784, [100, 100, 100, 100], 10, useDropout: true, dropoutRatio: 0.2f, useBatchnorm: true, weightDecayLambda: 0.1f);
        Assert.That(BytesPerStep(network, flat, labels), Is.EqualTo(0));
    }
}
