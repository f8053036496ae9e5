using System.Reflection;
using Scratch.Nn;
using Scratch.Tensors;

namespace Scratch.Tests.Nn;

/// <summary>Every network's backprop against central differences of its loss, on small shapes with a fixed seed.</summary>
public class NetworkGradientTests
{
    /// <summary>One small instance of every network type, with inputs and class-index targets.</summary>
    private static readonly Dictionary<Type, Func<(INetwork Network, NDArray X, NDArray T)>> Factories = new()
    {
        [typeof(TwoLayerNet)] = () => (new TwoLayerNet(6, 5, 3, weightInitStd: 0.5f, seed: 1), Input(4, 6), Targets(4, 3)),
        [typeof(MultiLayerNet)] = () => (new MultiLayerNet(6, [5, 4], 3, Activation.Sigmoid, weightDecayLambda: 0.1f, seed: 2), Input(4, 6), Targets(4, 3)),
        [typeof(MultiLayerNetExtend)] = () => (new MultiLayerNetExtend(6, [5, 4], 3, Activation.Tanh, weightDecayLambda: 0.05f, useBatchnorm: true, seed: 3), Input(5, 6), Targets(5, 3)),
        [typeof(SimpleConvNet)] = () => (new SimpleConvNet([2, 6, 6], filterNum: 3, filterSize: 3, pad: 1, hiddenSize: 5, outputSize: 3, weightInit: WeightInit.He, useBatchnorm: true, seed: 4), Input(3, 2, 6, 6), Targets(3, 3)),
        [typeof(DeepConvNet)] = () => (new DeepConvNet([1, 8, 8], hiddenSize: 6, outputSize: 3, dropoutRatio: 0f, seed: 5), Input(2, 1, 8, 8), Targets(2, 3)),
        [typeof(Sequential)] = () => (new Sequential([new Affine(NDArray.RandomNormal([6, 4], 0, 0.5f, 6), NDArray.Zeros(4)), new Tanh(),
            new Affine(NDArray.RandomNormal([4, 3], 0, 0.5f, 7), NDArray.Zeros(3))], new SoftmaxWithLoss()), Input(4, 6), Targets(4, 3)),
    };

    private static NDArray Input(params int[] shape) => NDArray.RandomNormal(shape, 0f, 1f, (uint)shape.Sum());

    private static NDArray Targets(int n, int classes) => NDArray.FromArray(Enumerable.Range(0, n).Select(i => (float)(i % classes)).ToArray());

    [Test]
    public void EveryNetworkType_HasAGradientCheck()
    {
        var networks = typeof(INetwork).Assembly.GetTypes()
            .Where(type => type.IsPublic && !type.IsAbstract && typeof(INetwork).IsAssignableFrom(type));
        Assert.That(networks.Where(type => !Factories.ContainsKey(type)), Is.Empty, "network types without an entry in the factory table");
    }

    private static IEnumerable<Type> NetworkTypes() => Factories.Keys;

    [TestCaseSource(nameof(NetworkTypes))]
    public void Network_Gradient_MatchesNumericalGradient(Type type)
    {
        var (network, x, t) = Factories[type]();
        var (_, grads) = network.Gradient(x, t);
        var analytic = grads.ToDictionary(g => g.Key, g => g.Value.ToArray());   // copy: the check reruns forward passes
        var random = new Random(7);
        const float h = 1e-2f;   // float32: roundoff ε·|L|/h ≈ 1e-5 and truncation h²·|L'''| ≈ 1e-4 are both small at h = 1e-2
        foreach (var (key, parameter) in network.Params)
        {
            Span<float> w = parameter.Value.AsSpan();
            // At most 12 elements per parameter: the deep networks have tens of thousands.
            var elements = Enumerable.Range(0, w.Length).OrderBy(_ => random.Next()).Take(12);
            foreach (int i in elements)
            {
                float saved = w[i];
                w[i] = saved + h;
                double plus = network.Loss(x, t, training: true);
                w[i] = saved - h;
                double minus = network.Loss(x, t, training: true);
                w[i] = saved;
                double numeric = (plus - minus) / (2 * h), backprop = analytic[key][i];
                double error = Math.Abs(numeric - backprop) / Math.Max(Math.Abs(numeric) + Math.Abs(backprop), 1e-3);
                Assert.That(error, Is.LessThan(1e-2), $"{type.Name} {key}[{i}]: backprop {backprop:G6} vs numeric {numeric:G6}");
            }
        }
    }

    [Test]
    public void NumericalGradient_OfTwoLayerNet_AgreesWithBackprop()
    {
        var network = new TwoLayerNet(3, 4, 2, weightInitStd: 0.5f, seed: 9);
        var x = Input(3, 3);
        var t = Targets(3, 2);
        var numeric = network.NumericalGradient(x, t);
        var (_, grads) = network.Gradient(x, t);
        foreach (var (key, g) in grads)
            Assert.That(g.ToArray(), Is.EqualTo(numeric[key].ToArray()).Within(2e-3f), key);
    }

    [Test]
    public void Params_UseTheBookKeys()
    {
        var network = new MultiLayerNetExtend(6, [5, 4], 3, useBatchnorm: true);
        Assert.That(network.Params.Keys, Is.EquivalentTo(new[] { "W1", "b1", "gamma1", "beta1", "W2", "b2", "gamma2", "beta2", "W3", "b3" }));
    }
}
