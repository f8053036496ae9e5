using Scratch.Data;
using Scratch.Nn;
using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Bench.Experiments;

/// <summary>The training loops the course's scripts write by hand, and the data they use.</summary>
internal static class Loops
{
    /// <summary>
    /// The book's iteration loop: <paramref name="iterations"/> times, a mini-batch drawn with <c>np.random.choice</c>,
    /// backprop and an update; returns each step's loss.
    /// </summary>
    public static List<float> RandomBatches(INetwork network, IOptimizer optimizer, NDArray x, NDArray t, int iterations, int batchSize, uint seed)
    {
        var random = new RandomState(seed);
        var losses = new List<float>(iterations);
        int n = x.Dim(0);
        for (int i = 0; i < iterations; i++)
        {
            int[] batch = random.Choice(n, Math.Min(batchSize, n));
            var (loss, _) = network.Gradient(x.Take(batch), t.Take(batch));
            optimizer.Update(network.Parameters);
            losses.Add(loss);
        }
        return losses;
    }

    /// <summary>Full-batch gradient descent for <paramref name="epochs"/> steps; returns each step's loss.</summary>
    public static List<float> FullBatch(INetwork network, IOptimizer optimizer, NDArray x, NDArray t, int epochs)
    {
        var losses = new List<float>(epochs);
        for (int i = 0; i < epochs; i++)
        {
            var (loss, _) = network.Gradient(x, t);
            optimizer.Update(network.Parameters);
            losses.Add(loss);
        }
        return losses;
    }

    /// <summary>The embedded MNIST digits, flattened, the first <paramref name="trainCount"/> for training (at most 8,000).</summary>
    public static ((NDArray X, NDArray T) Train, (NDArray X, NDArray T) Test) Mnist(int trainCount, int testCount = 2000)
    {
        var ((xTrain, tTrain), (xTest, tTest)) = Data.Mnist.LoadEmbedded(normalize: true, flatten: true);
        trainCount = Math.Min(trainCount, xTrain.Dim(0));
        testCount = Math.Min(testCount, xTest.Dim(0));
        return ((xTrain.Slice(0, 0, trainCount), tTrain.Slice(0, 0, trainCount)), (xTest.Slice(0, 0, testCount), tTest.Slice(0, 0, testCount)));
    }

    /// <summary>Fraction of rows where the network's single output, above <paramref name="threshold"/>, equals the 0/1 target.</summary>
    /// <remarks>Threshold 0 for a network that outputs the score before the sigmoid (sigmoid(s) &gt; 0.5 ⇔ s &gt; 0), 0.5 for one that ends in a Sigmoid layer.</remarks>
    public static float BinaryAccuracy(INetwork network, NDArray x, NDArray t, float threshold = 0f)
    {
        float[] p = network.Predict(x).ToArray(), labels = t.ToArray();
        int correct = 0;
        for (int i = 0; i < p.Length; i++)
            if ((p[i] > threshold) == (labels[i] > 0.5f)) correct++;
        return (float)correct / p.Length;
    }

    /// <summary>x·step-sized values from 0 to n − 1 as doubles (the x axis of a curve).</summary>
    public static double[] Steps(int n, int first = 0) => Enumerable.Range(first, n).Select(i => (double)i).ToArray();
}
