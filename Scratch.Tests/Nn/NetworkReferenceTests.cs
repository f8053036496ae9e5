using System.Text.Json;
using Scratch.Data;
using Scratch.Nn;
using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Tests.Nn;

/// <summary>
/// End to end: the losses of the first training steps match an independent NumPy run of the book's formulas in float64
/// (TestData/reference/record.py, which says how losses.json was made). Same digits, same seeds, same weights.
/// </summary>
public class NetworkReferenceTests
{
    private static readonly Dictionary<string, double[]> Recorded = JsonSerializer.Deserialize<Dictionary<string, double[]>>(
        File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "TestData", "reference", "losses.json")))!;

    private static (NDArray X, NDArray T) FirstHundred(bool flatten)
    {
        var ((x, t), _) = Mnist.LoadEmbedded(normalize: true, flatten: flatten);
        return (x.Slice(0, 0, 100), t.Slice(0, 0, 100));
    }

    private static void AssertLosses(INetwork network, IOptimizer optimizer, NDArray x, NDArray t, string key)
    {
        double[] expected = Recorded[key];
        for (int step = 0; step < expected.Length; step++)
        {
            var (loss, _) = network.Gradient(x, t);
            Assert.That(loss, Is.EqualTo(expected[step]).Within(2e-5 * Math.Max(1, expected[step])), $"{key} step={step}");
            optimizer.Update(network.Parameters);
        }
    }

    [Test]
    public void TwoLayerNet_Sgd_MatchesNumPyReference()
    {
        var (x, t) = FirstHundred(flatten: true);
        AssertLosses(new TwoLayerNet(784, 50, 10, weightInitStd: 0.01, seed: 0), new Sgd(0.1f), x, t, "two_layer_sgd");
    }

    [Test]
    public void MultiLayerNetExtend_BatchNormWeightDecayAdam_MatchesNumPyReference()
    {
        var (x, t) = FirstHundred(flatten: true);
        var network = new MultiLayerNetExtend(784, [100, 100], 10, weightInit: WeightInit.He, weightDecayLambda: 0.01f, useBatchnorm: true, seed: 1);
        AssertLosses(network, new Adam(1e-3f), x, t, "multi_layer_bn_adam");
    }

    [Test]
    public void SimpleConvNet_Adam_MatchesNumPyReference()
    {
        var (x, t) = FirstHundred(flatten: false);
        AssertLosses(new SimpleConvNet(weightInit: WeightInit.Std(0.01), seed: 2), new Adam(1e-3f), x, t, "simple_conv_adam");
    }
}
