using System.Reflection;
using Scratch.Nn;
using Scratch.Tensors;
using ConvShape = Scratch.Tensors.Kernels.ConvShape;
using ConvolutionGemm = Scratch.Tensors.Kernels.ConvolutionGemm;

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
        [typeof(DeepConvNet)] = () => (AwayFromKinks(new DeepConvNet([1, 4, 4], hiddenSize: 6, outputSize: 3, dropoutRatio: 0f, seed: 5)), Input(2, 1, 4, 4), Targets(2, 3)),
        [typeof(Sequential)] = () => (new Sequential([new Affine(NDArray.RandomNormal([6, 4], 0, 0.5f, 6), NDArray.Zeros(4)), new Tanh(),
            new Affine(NDArray.RandomNormal([4, 3], 0, 0.5f, 7), NDArray.Zeros(3))], new SoftmaxWithLoss()), Input(4, 6), Targets(4, 3)),
    };

    /// <summary>
    /// Positive biases put most of the deep network's ReLUs in their linear part, so fewer kinks lie within a
    /// finite-difference step (the gradient is checked at a less kinky point, not a different network).
    /// </summary>
    private static INetwork AwayFromKinks(Sequential network)
    {
        foreach (var (key, parameter) in network.Params.Where(p => p.Key.StartsWith('b')))
            parameter.Value.Fill(0.5f);
        return network;
    }

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
        foreach (var (key, parameter) in network.Params)
        {
            // At most 16 elements per parameter (the deep networks have tens of thousands), compared as vectors:
            // ‖backprop − numeric‖ / (‖backprop‖ + ‖numeric‖), the measure GradientCheck uses.
            int[] elements = Enumerable.Range(0, parameter.Value.Size).OrderBy(_ => random.Next()).Take(16).ToArray();
            var backprop = new List<float>();
            var numeric = new List<float>();
            foreach (int i in elements)
            {
                // The step: float32 roundoff in the loss (about 1e-7·|L|) costs about 1e-7/h, truncation about h²·|L‴|;
                // at h = 1e-3 both stay near 1e-4. The conv networks have thousands of ReLU and max-pool kinks: one
                // inside [w − h, w + h] makes a central difference meaningless, and such elements are left out (up to
                // two thirds: DeepConvNet's b2, a bias that shifts every pre-activation of its map, keeps 8 of its 16).
                // A kink shows in two ways: as disagreement between the steps h, 2h and 4h, and as a jump between the
                // slopes left and right of w, which differ by only h·L″ where L is smooth (at most 1.4 % on b2's smooth
                // elements, 6-7 % on its kinked ones). A kink close to w hides from the first test (all three steps
                // average the same two slopes): DeepConvNet's b2[0] had h, 2h and 4h within 1 % of each other, and
                // slopes -0.0644 left and -0.0560 right of w (backprop -0.0650).
                const float h = 1e-3f;
                double centre = ShiftedLoss(network, x, t, parameter, i, 0), plus = ShiftedLoss(network, x, t, parameter, i, h),
                    minus = ShiftedLoss(network, x, t, parameter, i, -h);
                float h1 = (float)((plus - minus) / (2 * h));
                float h2 = CentralDifference(network, x, t, parameter, i, 2 * h);
                float h4 = CentralDifference(network, x, t, parameter, i, 4 * h);
                float spread = Math.Max(h1, Math.Max(h2, h4)) - Math.Min(h1, Math.Min(h2, h4));
                if (spread > 0.01 * (Math.Abs(h1) + Math.Abs(h2)) + Roundoff) continue;
                double left = (centre - minus) / h, right = (plus - centre) / h;   // the slopes over [w − h, w] and [w, w + h]
                if (Math.Abs(right - left) > 0.04 * (Math.Abs(left) + Math.Abs(right)) + 2 * Roundoff) continue;
                backprop.Add(analytic[key][i]);
                numeric.Add(h1);
            }
            Assert.That(numeric, Has.Count.GreaterThanOrEqualTo(Math.Min(elements.Length, Math.Max(4, elements.Length / 3))),
                $"{type.Name} {key}: too many elements sit on a kink");
            double error = GradientCheck.RelativeError(NDArray.FromArray(backprop.ToArray()), NDArray.FromArray(numeric.ToArray()));
            double largestDifference = backprop.Zip(numeric, (a, n) => Math.Abs(a - n)).DefaultIfEmpty(0).Max();
            // A gradient that is truly zero (a bias right before batch norm) leaves only noise on both sides: judge it
            // absolutely. One unit of roundoff in the loss is already 1.2e-4 of a central difference at h = 1e-3.
            Assert.That(error < 1e-2 || largestDifference < Roundoff, Is.True,
                $"{type.Name} {key}: error {error:G3}; backprop [{string.Join(", ", backprop)}] vs numeric [{string.Join(", ", numeric)}]");
        }
    }

    /// <summary>
    /// The roundoff of a central difference at h = 1e-3 on a float32 loss near 2.3: 1.2e-7 · 2.3 / 1e-3, about 3e-4
    /// (a few units of the loss's last place over 2h).
    /// </summary>
    private const double Roundoff = 3e-4;

    /// <summary>The training loss with element <paramref name="i"/> of the parameter moved by <paramref name="delta"/> (then put back).</summary>
    private static double ShiftedLoss(INetwork network, NDArray x, NDArray t, Scratch.Optim.Parameter parameter, int i, float delta)
    {
        Span<float> w = parameter.Value.AsSpan();
        float saved = w[i];
        w[i] = saved + delta;
        double loss = network.Loss(x, t, training: true);
        w[i] = saved;
        return loss;
    }

    private static float CentralDifference(INetwork network, NDArray x, NDArray t, Scratch.Optim.Parameter parameter, int i, float h) =>
        (float)((ShiftedLoss(network, x, t, parameter, i, h) - ShiftedLoss(network, x, t, parameter, i, -h)) / (2 * h));

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

    /// <summary>
    /// Sequential runs Relu → MaxPooling backward as one pass (the ReLU's mask taken on the pooled output); the gradients
    /// must be bit for bit those of running every layer's own Backward, for non-overlapping and overlapping windows.
    /// </summary>
    [TestCase(2, 2, 0)]
    [TestCase(3, 2, 1)]
    public void ReluThenMaxPooling_BackwardAsOnePass_EqualsLayerByLayer(int pool, int stride, int pad)
    {
        NDArray x = Input(3, 2, 9, 9), t = Targets(3, 4);
        Sequential Make()
        {
            var conv = new Convolution(NDArray.RandomNormal([4, 2, 3, 3], 0, 0.5f, 21), NDArray.RandomNormal([4], 0, 0.5f, 22), 1, 1);
            var pooling = new MaxPooling(pool, pool, stride, pad);
            int side = (9 + 2 * pad - pool) / stride + 1;
            var affine = new Affine(NDArray.RandomNormal([4 * side * side, 4], 0, 0.5f, 23), NDArray.Zeros(4));
            return new Sequential([conv, new Relu(), pooling, new Flatten(), affine], new SoftmaxWithLoss());
        }
        AssertGradientEqualsLayerByLayer(Make(), Make(), x, t);
    }

    /// <summary>
    /// Sequential runs Convolution → Relu → MaxPooling (no padding) as one forward and one backward pass, pooling each chunk
    /// of images in cache; loss and gradients must be bit for bit those of running every layer's own Forward and Backward.
    /// The second convolution needs dx through the fused pass; 11 images of 19×19 make several chunks, the last one short.
    /// </summary>
    [TestCase(2, 2)]
    [TestCase(3, 2)]
    [TestCase(2, 1)]
    [TestCase(3, 3)]
    public void ConvolutionReluMaxPooling_AsOnePass_EqualsLayerByLayer(int pool, int stride)
    {
        NDArray x = Input(11, 3, 19, 19), t = Targets(11, 4);
        Sequential Make()
        {
            int side = (19 - pool) / stride + 1, side2 = (side - pool) / stride + 1;
            return new Sequential([
                new Convolution(NDArray.RandomNormal([8, 3, 3, 3], 0, 0.5f, 31), NDArray.RandomNormal([8], 0, 0.5f, 32), 1, 1), new Relu(), new MaxPooling(pool, pool, stride),
                new Convolution(NDArray.RandomNormal([5, 8, 3, 3], 0, 0.3f, 33), NDArray.RandomNormal([5], 0, 0.5f, 34), 1, 1), new Relu(), new MaxPooling(pool, pool, stride),
                new Flatten(), new Affine(NDArray.RandomNormal([5 * side2 * side2, 4], 0, 0.5f, 35), NDArray.Zeros(4))], new SoftmaxWithLoss());
        }
        Assert.That(ConvolutionGemm.Chunks(new ConvShape(11, 3, 19, 19, 3, 3, 1, 1)), Is.GreaterThan(1), "several chunks of images");
        AssertGradientEqualsLayerByLayer(Make(), Make(), x, t);
    }

    /// <summary>
    /// A Convolution whose input came from a Relu runs that Relu's backward pass on its dx chunk by chunk, in the plain
    /// backward pass (conv4) and in the fused one with pooling (conv2); gradients bit for bit those of the layers one by one.
    /// </summary>
    [Test]
    public void ReluIntoConvolution_BackwardAsOnePass_EqualsLayerByLayer()
    {
        NDArray x = Input(9, 2, 12, 12), t = Targets(9, 3);
        Sequential Make() => new([
            new Convolution(NDArray.RandomNormal([6, 2, 3, 3], 0, 0.5f, 51), NDArray.RandomNormal([6], 0, 0.3f, 52), 1, 1), new Relu(),
            new Convolution(NDArray.RandomNormal([8, 6, 3, 3], 0, 0.3f, 53), NDArray.RandomNormal([8], 0, 0.3f, 54), 1, 1), new Relu(), new MaxPooling(2, 2, 2),
            new Convolution(NDArray.RandomNormal([8, 8, 3, 3], 0, 0.3f, 55), NDArray.RandomNormal([8], 0, 0.3f, 56), 1, 1), new Relu(),
            new Convolution(NDArray.RandomNormal([4, 8, 3, 3], 0, 0.3f, 57), NDArray.RandomNormal([4], 0, 0.3f, 58), 1, 2), new Relu(),
            new Flatten(), new Affine(NDArray.RandomNormal([4 * 8 * 8, 3], 0, 0.3f, 59), NDArray.Zeros(3))], new SoftmaxWithLoss());
        AssertGradientEqualsLayerByLayer(Make(), Make(), x, t);
    }

    /// <summary>
    /// <paramref name="together"/>'s Gradient (with the fused passes) against every layer's own Forward and Backward run
    /// on <paramref name="apart"/>, an identical network: the loss and every gradient bit for bit.
    /// </summary>
    private static void AssertGradientEqualsLayerByLayer(Sequential together, Sequential apart, NDArray x, NDArray t)
    {
        float lossTogether = together.Gradient(x, t).Loss;
        float lossApart = apart.Loss(x, t, training: true);
        NDArray dout = apart.LastLayer.Backward(1f);
        for (int i = apart.Layers.Count - 1; i >= 0; i--)
            dout = apart.Layers[i].Backward(dout);

        Assert.That(lossTogether, Is.EqualTo(lossApart), "loss");
        foreach (var (key, p) in together.Params)
            Assert.That(p.Grad.ToArray(), Is.EqualTo(apart.Params[key].Grad.ToArray()), key);
    }

    /// <summary>After a fused Convolution → Relu → MaxPooling pass the Relu never saw its output: its own Backward must refuse, not use a stale mask.</summary>
    [Test]
    public void ReluInsideAFusedPass_RefusesItsOwnBackward()
    {
        var relu = new Relu();
        var network = new Sequential([new Convolution(NDArray.RandomNormal([2, 1, 3, 3], 0, 0.5f, 41), NDArray.Zeros(2)), relu, new MaxPooling(2, 2, 2),
            new Flatten(), new Affine(NDArray.RandomNormal([2 * 3 * 3, 3], 0, 0.5f, 42), NDArray.Zeros(3))], new SoftmaxWithLoss());
        NDArray x = Input(2, 1, 8, 8);
        relu.Forward(NDArray.Ones(2, 2, 6, 6));
        network.Gradient(x, Targets(2, 3));
        Assert.Throws<InvalidOperationException>(() => relu.Backward(NDArray.Ones(2, 2, 6, 6)));
    }
}
