using System.Reflection;
using Scratch.Nn;
using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Tests.Nn;

/// <summary>
/// Every layer's backward pass against central differences (<see cref="GradientCheck"/>, h = 1e-2, error ‖a − n‖/(‖a‖ + ‖n‖)).
/// The case table is checked by reflection against the Scratch.Nn assembly, so a new ILayer or ILossLayer cannot skip it.
/// </summary>
public class GradientCheckTests
{
    private const double Tolerance = 1e-2;
    private const float H = GradientCheck.DefaultStep;

    /// <summary>A layer case: which public type it covers, how to build the layer (fresh each time) and its input.</summary>
    public sealed record LayerCase(string Name, Type Covers, Func<ILayer> Make, Func<NDArray> X, bool Training = true)
    {
        public override string ToString() => Name;
    }

    /// <summary>A loss case: the loss layer, its scores and targets.</summary>
    public sealed record LossCase(string Name, Type Covers, Func<ILossLayer> Make, Func<NDArray> X, Func<NDArray> T)
    {
        public override string ToString() => Name;
    }

    private static NDArray Randn(uint seed, params int[] shape) => NDArray.RandomNormal(shape, 0f, 1f, seed);

    /// <summary>Normal samples pushed at least 0.1 away from 0 (ReLU's kink), 10 steps h.</summary>
    private static NDArray AwayFromZero(uint seed, params int[] shape)
    {
        float[] v = Randn(seed, shape).ToArray();
        for (int i = 0; i < v.Length; i++) v[i] = MathF.CopySign(0.1f + MathF.Abs(v[i]), v[i]);
        return NDArray.FromArray(v, shape);
    }

    /// <summary>Distinct values 0.05 apart in shuffled order, none within 0.025 of 0: no max-pooling window has a tie
    /// (with itself or a padding 0) that a ±h = ±0.01 nudge could flip.</summary>
    private static NDArray Distinct(uint seed, params int[] shape)
    {
        int size = shape.Aggregate(1, (p, d) => p * d);
        int[] order = new RandomState(seed).Permutation(size);
        return NDArray.FromArray(order.Select(k => (k - size / 2) * 0.05f + 0.025f).ToArray(), shape);
    }

    public static IEnumerable<LayerCase> LayerCases()
    {
        yield return new("Affine 4-D input", typeof(Affine), () => new Affine(Randn(1, 8, 5), Randn(2, 5)), () => Randn(3, 3, 2, 2, 2));
        yield return new("Affine 2-D input", typeof(Affine), () => new Affine(Randn(1, 4, 3), Randn(2, 3)), () => Randn(3, 5, 4));
        yield return new("Relu", typeof(Relu), () => new Relu(), () => AwayFromZero(4, 4, 5));
        yield return new("Sigmoid", typeof(Sigmoid), () => new Sigmoid(), () => Randn(5, 4, 5));
        yield return new("Tanh", typeof(Tanh), () => new Tanh(), () => Randn(6, 4, 5));
        yield return new("Dropout Modern (mask reseeded)", typeof(Dropout), () => new ReseededDropout(new Dropout(0.4f, Semantics.Modern), 7), () => Randn(7, 4, 5));
        yield return new("Dropout Book (mask reseeded)", typeof(Dropout), () => new ReseededDropout(new Dropout(0.4f, Semantics.Book), 7), () => Randn(7, 4, 5));
        yield return new("BatchNormalization training", typeof(BatchNormalization),
            () => new BatchNormalization(Randn(8, 5), Randn(9, 5)), () => Randn(10, 6, 5));
        yield return new("BatchNormalization training 4-D", typeof(BatchNormalization),
            () => new BatchNormalization(Randn(8, 8), Randn(9, 8)), () => Randn(10, 4, 2, 2, 2));
        yield return new("BatchNormalization test mode", typeof(BatchNormalization),
            () => new BatchNormalization(Randn(8, 5), Randn(9, 5), runningMean: Randn(11, 5), runningVar: Randn(12, 5).Abs()), () => Randn(10, 6, 5), Training: false);
        yield return new("BatchNormalization2d training", typeof(BatchNormalization2d),
            () => new BatchNormalization2d(Randn(13, 2), Randn(14, 2)), () => Randn(15, 3, 2, 3, 3));
        yield return new("BatchNormalization2d test mode", typeof(BatchNormalization2d),
            () => new BatchNormalization2d(Randn(13, 2), Randn(14, 2), runningMean: Randn(16, 2), runningVar: Randn(17, 2).Abs()), () => Randn(15, 3, 2, 3, 3), Training: false);
        yield return new("Convolution stride 2 pad 1", typeof(Convolution),
            () => new Convolution(Randn(18, 4, 3, 3, 3), Randn(19, 4), stride: 2, pad: 1), () => Randn(20, 2, 3, 5, 5));
        yield return new("Convolution stride 1 pad 0", typeof(Convolution),
            () => new Convolution(Randn(18, 2, 2, 2, 3), Randn(19, 2)), () => Randn(20, 2, 2, 4, 5));
        yield return new("MaxPooling 2x2 stride 2", typeof(MaxPooling), () => new MaxPooling(2, 2, stride: 2), () => Distinct(21, 2, 2, 4, 4));
        yield return new("MaxPooling 3x3 stride 2 pad 1 (overlapping)", typeof(MaxPooling), () => new MaxPooling(3, 3, stride: 2, pad: 1), () => Distinct(22, 2, 2, 5, 5));
        yield return new("AvgPooling 2x2 stride 2", typeof(AvgPooling), () => new AvgPooling(2, 2, stride: 2), () => Randn(23, 2, 2, 4, 4));
        yield return new("AvgPooling 3x3 stride 2 pad 1 (overlapping)", typeof(AvgPooling), () => new AvgPooling(3, 3, stride: 2, pad: 1), () => Randn(24, 2, 2, 5, 5));
        yield return new("Flatten", typeof(Flatten), () => new Flatten(), () => Randn(25, 2, 3, 2, 2));
        yield return new("MatMul", typeof(Scratch.Nn.MatMul), () => new Scratch.Nn.MatMul(Randn(26, 4, 5)), () => Randn(27, 3, 4));
        yield return new("Repeat", typeof(Repeat), () => new Repeat(4), () => Randn(28, 1, 5));
        yield return new("Sum", typeof(Sum), () => new Sum(), () => Randn(29, 4, 5));
    }

    public static IEnumerable<LossCase> LossCases()
    {
        yield return new("SoftmaxWithLoss one-hot", typeof(SoftmaxWithLoss), () => new SoftmaxWithLoss(), () => Randn(30, 4, 5),
            () => NDArray.FromArray([0, 1, 0, 0, 0, /**/ 0, 0, 0, 0, 1, /**/ 1, 0, 0, 0, 0, /**/ 0, 0, 1, 0, 0], 4, 5));
        yield return new("SoftmaxWithLoss class indices", typeof(SoftmaxWithLoss), () => new SoftmaxWithLoss(), () => Randn(30, 4, 5),
            () => NDArray.FromArray([1, 4, 0, 2], 4));
        yield return new("MeanSquaredError", typeof(Scratch.Nn.MeanSquaredError), () => new Scratch.Nn.MeanSquaredError(), () => Randn(31, 4, 3), () => Randn(32, 4, 3));
        yield return new("SigmoidWithLoss", typeof(SigmoidWithLoss), () => new SigmoidWithLoss(), () => Randn(33, 6),
            () => NDArray.FromArray([1, 0, 0, 1, 1, 0], 6));
    }

    [Test]
    public void EveryPublicLayer_HasAGradientCheckCase()
    {
        Type[] types = typeof(ILayer).Assembly.GetTypes()
            .Where(t => t.IsPublic && !t.IsAbstract && !t.IsInterface && (typeof(ILayer).IsAssignableFrom(t) || typeof(ILossLayer).IsAssignableFrom(t)))
            .ToArray();
        var covered = LayerCases().Select(c => c.Covers).Concat(LossCases().Select(c => c.Covers)).ToHashSet();
        Type[] missing = types.Where(t => !covered.Contains(t)).ToArray();
        Assert.That(types, Has.Length.GreaterThanOrEqualTo(17), "reflection found too few layers: is the assembly the right one?");
        Assert.That(missing.Select(t => t.Name), Is.Empty, "layers without a gradient-check case in GradientCheckTests.LayerCases/LossCases");
    }

    [TestCaseSource(nameof(LayerCases))]
    public void Layer_Backward_MatchesNumericalGradient(LayerCase c)
    {
        ILayer layer = c.Make();
        GradientCheckResult result = GradientCheck.Check(layer, c.X(), c.Training, H, seed: 99);
        TestContext.Out.WriteLine($"{c.Name}: {result}");
        string[] expected = ["x", .. layer.Parameters.Select(p => p.Name)];
        Assert.That(result.Entries.Select(e => e.Name), Is.EqualTo(expected));
        Assert.That(result.MaxError, Is.LessThan(Tolerance), result.ToString());
    }

    [TestCaseSource(nameof(LossCases))]
    public void Loss_Backward_MatchesNumericalGradient(LossCase c)
    {
        GradientCheckResult result = GradientCheck.Check(c.Make(), c.X(), c.T(), H);
        TestContext.Out.WriteLine($"{c.Name}: {result}");
        Assert.That(result.MaxError, Is.LessThan(Tolerance), result.ToString());
    }

    [Test]
    public void Add_Backward_MatchesNumericalGradient_WithBroadcasting()
    {
        var add = new Add();
        var x = new Parameter("x", Randn(40, 3, 4));
        var y = new Parameter("y", Randn(41, 1, 4));                    // broadcast over rows
        NDArray r = Randn(42, 3, 4);
        GradientCheckResult result = GradientCheck.Check(
            () => (float)Dot(add.Forward(x.Value, y.Value), r),
            () => { var (dx, dy) = add.Backward(r); x.Grad.CopyFrom(dx); y.Grad.CopyFrom(dy); },
            [x, y], H);
        TestContext.Out.WriteLine($"Add: {result}");
        Assert.That(result.MaxError, Is.LessThan(Tolerance), result.ToString());
    }

    [Test]
    public void Mul_Backward_MatchesNumericalGradient_WithBroadcasting()
    {
        var mul = new Mul();
        var x = new Parameter("x", Randn(43, 2, 3, 4));
        var y = new Parameter("y", Randn(44, 3, 1));                    // broadcast over the batch axis and columns
        NDArray r = Randn(45, 2, 3, 4);
        GradientCheckResult result = GradientCheck.Check(
            () => (float)Dot(mul.Forward(x.Value, y.Value), r),
            () => { var (dx, dy) = mul.Backward(r); x.Grad.CopyFrom(dx); y.Grad.CopyFrom(dy); },
            [x, y], H);
        TestContext.Out.WriteLine($"Mul: {result}");
        Assert.That(result.MaxError, Is.LessThan(Tolerance), result.ToString());
    }

    [Test]
    public void Network_OfSeveralLayers_MatchesNumericalGradient()
    {
        // Affine → Tanh → BatchNormalization → Affine → SoftmaxWithLoss, checked through the delegate overload.
        // (Not Affine → BatchNormalization directly: batch norm subtracts the batch mean, so the first bias's true gradient
        // is exactly 0, both sides are rounding noise, and the relative error is ≈ 1 however right the code is.)
        ILayer[] layers = [new Affine(Randn(50, 6, 5), Randn(51, 5)), new Tanh(), new BatchNormalization(Randn(55, 5), Randn(56, 5)), new Affine(Randn(52, 5, 3), Randn(53, 3))];
        var loss = new SoftmaxWithLoss();
        NDArray x = Randn(54, 8, 6), t = NDArray.FromArray([0, 1, 2, 0, 1, 2, 0, 1], 8);
        float Loss()
        {
            NDArray a = x;
            foreach (ILayer layer in layers) a = layer.Forward(a, training: true);
            return loss.Forward(a, t);
        }
        void Backprop()
        {
            NDArray d = loss.Backward();
            foreach (ILayer layer in layers.Reverse()) d = layer.Backward(d);
        }
        GradientCheckResult result = GradientCheck.Check(Loss, Backprop, layers.SelectMany(l => l.Parameters).ToList(), H);
        TestContext.Out.WriteLine($"network: {result}");
        Assert.That(result.MaxError, Is.LessThan(Tolerance), result.ToString());
    }

    [Test]
    public void Check_FlagsAWrongBackward()
    {
        // Sigmoid's value with a backward of dout·y (missing the 1 − y factor).
        GradientCheckResult result = GradientCheck.Check(new WrongSigmoid(), Randn(60, 3, 4), true, H);
        Assert.That(result["x"], Is.GreaterThan(0.1), result.ToString());
    }

    [Test]
    public void Dropout_Backward_IsDoutTimesForwardMask()
    {
        foreach (Semantics semantics in new[] { Semantics.Modern, Semantics.Book })
        {
            const float p = 0.4f;
            var dropout = new Dropout(p, semantics, new RandomState(3));
            NDArray x = Randn(61, 50, 20), dout = Randn(62, 50, 20);
            float[] output = dropout.Forward(x, training: true).ToArray(), xs = x.ToArray();
            float[] dx = dropout.Backward(dout).ToArray(), ds = dout.ToArray();
            float scale = semantics == Semantics.Modern ? 1f / (1f - p) : 1f;
            for (int i = 0; i < dx.Length; i++)
            {
                bool kept = output[i] != 0;                                       // x is never exactly 0 here
                Assert.That(dx[i], Is.EqualTo(kept ? ds[i] * scale : 0f).Within(1e-6f), $"{semantics} i={i}");
                Assert.That(output[i], Is.EqualTo(kept ? xs[i] * scale : 0f).Within(1e-6f), $"{semantics} i={i}");
            }
        }
    }

    private static double Dot(NDArray a, NDArray b) => a.ToArray().Zip(b.ToArray(), (u, v) => (double)u * v).Sum();

    /// <summary>Dropout whose generator is reseeded before every Forward, so the mask is the same at every nudge of the gradient check.</summary>
    private sealed class ReseededDropout(Dropout inner, uint seed) : ILayer
    {
        public IReadOnlyList<Parameter> Parameters => inner.Parameters;

        public NDArray Forward(NDArray x, bool training = false)
        {
            inner.Random.Seed(seed);
            return inner.Forward(x, training);
        }

        public NDArray Backward(NDArray dout) => inner.Backward(dout);
    }

    private sealed class WrongSigmoid : ILayer
    {
        private NDArray? _y;
        public IReadOnlyList<Parameter> Parameters => [];
        public NDArray Forward(NDArray x, bool training = false) => _y = x.Sigmoid();
        public NDArray Backward(NDArray dout) => dout * _y!;
    }
}
