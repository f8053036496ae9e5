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
    private static readonly JsonElement Recorded = JsonDocument.Parse(
        File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "TestData", "reference", "losses.json"))).RootElement;

    private static (NDArray X, NDArray T) FirstDigits(bool flatten, int count = 100)
    {
        var ((x, t), _) = Mnist.LoadEmbedded(normalize: true, flatten: flatten);
        return (x.Slice(0, 0, count), t.Slice(0, 0, count));
    }

    private static void AssertLosses(INetwork network, IOptimizer optimizer, NDArray x, NDArray t, string key)
    {
        JsonElement entry = Recorded.GetProperty(key);
        double[] expected = (entry.ValueKind == JsonValueKind.Array ? entry : entry.GetProperty("losses")).EnumerateArray().Select(e => e.GetDouble()).ToArray();
        for (int step = 0; step < expected.Length; step++)
        {
            var (loss, grads) = network.Gradient(x, t);
            Assert.That(loss, Is.EqualTo(expected[step]).Within(2e-5 * Math.Max(1, expected[step])), $"{key} step={step}");
            if (step == 0 && entry.ValueKind == JsonValueKind.Object)
                foreach (JsonProperty norm in entry.GetProperty("grad_norms").EnumerateObject())
                {
                    double actual = Math.Sqrt(grads[norm.Name].ToArray().Sum(v => (double)v * v));
                    Assert.That(actual, Is.EqualTo(norm.Value.GetDouble()).Within(1e-4 * norm.Value.GetDouble()), $"{key} ‖∂L/∂{norm.Name}‖");
                }
            optimizer.Update(network.Parameters);
        }
    }

    [Test]
    public void TwoLayerNet_Sgd_MatchesNumPyReference()
    {
        var (x, t) = FirstDigits(flatten: true);
        AssertLosses(new TwoLayerNet(784, 50, 10, weightInitStd: 0.01, seed: 0), new Sgd(0.1f), x, t, "two_layer_sgd");
    }

    [Test]
    public void MultiLayerNetExtend_BatchNormWeightDecayAdam_MatchesNumPyReference()
    {
        var (x, t) = FirstDigits(flatten: true);
        var network = new MultiLayerNetExtend(784, [100, 100], 10, weightInit: WeightInit.He, weightDecayLambda: 0.01f, useBatchnorm: true, seed: 1);
        AssertLosses(network, new Adam(1e-3f), x, t, "multi_layer_bn_adam");
    }

    [Test]
    public void SimpleConvNet_Adam_MatchesNumPyReference()
    {
        var (x, t) = FirstDigits(flatten: false);
        AssertLosses(new SimpleConvNet(weightInit: WeightInit.Std(0.01), seed: 2), new Adam(1e-3f), x, t, "simple_conv_adam");
    }

    [Test]
    public void DeepConvNet_DropoutSgd_MatchesNumPyReference_InLossAndGradientNorms()
    {
        // The reference draws its dropout masks from RandomState(seed·7919 + k), the streams the network's Dropout layers use.
        var (x, t) = FirstDigits(flatten: false, count: 20);
        AssertLosses(new DeepConvNet(seed: 3), new Sgd(0.1f), x, t, "deep_conv_sgd");
    }
}
