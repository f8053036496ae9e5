using Scratch.Data;
using Scratch.Nn;
using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Tests.Nn;

/// <summary>Predict on a trained network from several threads at once gives the single-threaded answers, bit for bit.</summary>
public class ThreadSafeInferenceTests
{
    private static void Train(Sequential network, NDArray x, NDArray t)
    {
        var optimizer = new Adam(1e-3f);
        for (int step = 0; step < 3; step++)
        {
            network.Gradient(x.Slice(0, step * 50, step * 50 + 50), t.Slice(0, step * 50, step * 50 + 50));
            optimizer.Update(network.Parameters);
        }
    }

    private static void AssertSameFromFourThreads(Sequential network, NDArray x, NDArray t)
    {
        // 200 predictions per thread, batches of 1 to 17 images starting anywhere in the first 400.
        (int Start, int Count)[] requests = Enumerable.Range(0, 200).Select(i => (i * 37 % 383, 1 + i * 5 % 17)).ToArray();
        float[][] expected = requests.Select(r => network.Predict(x.Slice(0, r.Start, r.Start + r.Count)).ToArray()).ToArray();
        float expectedAccuracy = network.Accuracy(x.Slice(0, 0, 300), t.Slice(0, 0, 300), batchSize: 64);
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var threads = Enumerable.Range(0, 4).Select(thread => new Thread(() =>
        {
            for (int k = 0; k < requests.Length; k++)
            {
                int i = (k + 50 * thread) % requests.Length;            // each thread walks the requests from elsewhere
                var (start, count) = requests[i];
                float[] actual = network.Predict(x.Slice(0, start, start + count)).ToArray();
                if (!actual.AsSpan().SequenceEqual(expected[i]))
                    failures.Add($"thread {thread}, request {i} ({count} images from {start})");
            }
            float accuracy = network.Accuracy(x.Slice(0, 0, 300), t.Slice(0, 0, 300), batchSize: 64);
            if (accuracy != expectedAccuracy)
                failures.Add($"thread {thread}: accuracy {accuracy} instead of {expectedAccuracy}");
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.That(failures, Is.Empty);
    }

    [Test]
    public void SimpleConvNet_PredictFromFourThreads_MatchesOneThread()
    {
        var ((x, t), _) = Mnist.LoadEmbedded(flatten: false);
        var network = new SimpleConvNet(weightInit: WeightInit.He);
        Train(network, x, t);
        AssertSameFromFourThreads(network, x, t);
    }

    [Test]
    public void MultiLayerNetExtend_PredictFromFourThreads_MatchesOneThread()
    {
        var ((x, t), _) = Mnist.LoadEmbedded(flatten: true);
        var network = new MultiLayerNetExtend(784, [100, 100, 100], 10, useDropout: true, dropoutRatio: 0.2f, useBatchnorm: true);
        Train(network, x, t);
        AssertSameFromFourThreads(network, x, t);
    }
}
