using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Tests.Optim;

/// <summary>Every optimizer against its double-precision twin, plus the properties every optimizer must have.</summary>
public class OptimizerTests
{
    private static readonly int[][] Shapes = [[3, 4], [5]];

    // float32 against double: |float − double| ≤ 1e-5·max(1, |double|) (weights are O(1), so this is ~1e-5 relative).
    private const double Tolerance = 1e-5;

    private static float[] RandomFloats(Random random, int size) =>
        Enumerable.Range(0, size).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();

    private static Parameter[] RandomParameters(Random random, int[][] shapes) =>
        shapes.Select((s, k) => new Parameter($"p{k}", NDArray.FromArray(RandomFloats(random, s.Aggregate(1, (a, b) => a * b)), s))).ToArray();

    private static double[][] ToDouble(IEnumerable<NDArray> arrays) =>
        arrays.Select(a => a.ToArray().Select(x => (double)x).ToArray()).ToArray();

    /// <summary>Fresh random gradients into every Grad (through its span, as a backward pass would), returned in double.</summary>
    private static double[][] RandomGradients(Random random, Parameter[] parameters)
    {
        foreach (Parameter p in parameters)
            RandomFloats(random, p.Grad.Size).CopyTo(p.Grad.AsSpan());
        return ToDouble(parameters.Select(p => p.Grad));
    }

    private static void AssertClose(Parameter[] parameters, double[][] expected, string context)
    {
        for (int k = 0; k < parameters.Length; k++)
        {
            float[] actual = parameters[k].Value.ToArray();
            for (int i = 0; i < actual.Length; i++)
                Assert.That(actual[i], Is.EqualTo(expected[k][i]).Within(Tolerance * Math.Max(1, Math.Abs(expected[k][i]))),
                    $"{context}, parameter {parameters[k].Name}, i={i}");
        }
    }

    /// <summary>Runs <paramref name="steps"/> updates of the optimizer and its reference on the same random gradients.</summary>
    private static void RunAgainstReference(OptimizerCase c, int steps, Action<int, IOptimizer, ReferenceOptimizer>? beforeStep = null)
    {
        var random = new Random(20240611);
        IOptimizer optimizer = c.Create();
        ReferenceOptimizer reference = c.Reference();
        Parameter[] parameters = RandomParameters(random, Shapes);
        double[][] w = ToDouble(parameters.Select(p => p.Value));
        double[][] w0 = ToDouble(parameters.Select(p => p.Value));

        for (int step = 0; step < steps; step++)
        {
            beforeStep?.Invoke(step, optimizer, reference);
            double[][] g = RandomGradients(random, parameters);
            optimizer.Update(parameters);
            reference.Update(w, g);
            AssertClose(parameters, w, $"{c}, step {step}");
        }

        // The comparison is not vacuous: the weights did move.
        double moved = w.Zip(w0).Sum(pair => pair.First.Zip(pair.Second).Sum(x => Math.Abs(x.First - x.Second)));
        Assert.That(moved, Is.GreaterThan(1e-3), $"{c}: weights barely moved");
    }

    [TestCaseSource(typeof(OptimizerCase), nameof(OptimizerCase.All))]
    public void Update_MatchesTheBooksRuleInDouble_OverEightSteps(OptimizerCase c) => RunAgainstReference(c, steps: 8);

    [TestCaseSource(typeof(OptimizerCase), nameof(OptimizerCase.All))]
    public void LearningRate_ChangedBetweenSteps_TakesEffect(OptimizerCase c)
    {
        float lr0 = c.Create().LearningRate;
        RunAgainstReference(c, steps: 7, (step, optimizer, reference) =>
        {
            float lr = step switch { < 2 => lr0, < 4 => lr0 / 4, < 6 => 3 * lr0, _ => 0f };
            optimizer.LearningRate = lr;
            reference.Lr = lr;
            Assert.That(optimizer.LearningRate, Is.EqualTo(lr));
        });
    }

    [TestCaseSource(typeof(OptimizerCase), nameof(OptimizerCase.All))]
    public void LearningRateZero_LeavesWeightsUnchanged(OptimizerCase c)
    {
        // lr = 0 also zeroes AdamW's decay (it is lr·λ·W), so every optimizer must leave W exactly as it was.
        var random = new Random(7);
        IOptimizer optimizer = c.Create();
        optimizer.LearningRate = 0f;
        Parameter[] parameters = RandomParameters(random, Shapes);
        float[][] before = parameters.Select(p => p.Value.ToArray()).ToArray();
        for (int step = 0; step < 3; step++)
        {
            RandomGradients(random, parameters);
            optimizer.Update(parameters);
        }
        for (int k = 0; k < parameters.Length; k++)
            Assert.That(parameters[k].Value.ToArray(), Is.EqualTo(before[k]), $"{c}, parameter {k}");
    }

    [TestCaseSource(typeof(OptimizerCase), nameof(OptimizerCase.Stateful))]
    public void State_IsPerParameter_AndANewParameterStartsFresh(OptimizerCase c)
    {
        // One optimizer updating [a, b] must give exactly what two optimizers give on a alone and on b alone.
        var random = new Random(99);
        Parameter[] together = RandomParameters(random, Shapes);
        Parameter[] aloneA = [new("p0", together[0].Value.Clone())];
        Parameter[] aloneB = [new("p1", together[1].Value.Clone())];
        IOptimizer shared = c.Create(), optimizerA = c.Create(), optimizerB = c.Create();

        void Step(Parameter[] current, IEnumerable<(Parameter[] Single, IOptimizer Optimizer)> twins)
        {
            RandomGradients(random, current);
            shared.Update(current);
            int k = 0;
            foreach (var (single, optimizer) in twins)
            {
                current[k].Grad.AsSpan().CopyTo(single[0].Grad.AsSpan());
                optimizer.Update(single);
                Assert.That(current[k].Value.ToArray(), Is.EqualTo(single[0].Value.ToArray()), $"{c}: parameter {current[k].Name}");
                k++;
            }
        }

        for (int step = 0; step < 4; step++)
            Step(together, [(aloneA, optimizerA), (aloneB, optimizerB)]);

        // A third parameter joins after 4 steps: its velocity/moments/step count start from zero,
        // so it moves exactly as under a brand-new optimizer, while a and b carry on with their own state.
        var c0 = new Parameter("p2", NDArray.FromArray(RandomFloats(random, 6), 2, 3));
        Parameter[] aloneC = [new("p2", c0.Value.Clone())];
        IOptimizer optimizerC = c.Create();
        for (int step = 0; step < 3; step++)
            Step([together[0], together[1], c0], [(aloneA, optimizerA), (aloneB, optimizerB), (aloneC, optimizerC)]);
    }

    [TestCaseSource(typeof(OptimizerCase), nameof(OptimizerCase.All))]
    public void Update_AfterWarmUp_AllocatesNothing(OptimizerCase c)
    {
        // Sizes with a vector body and a scalar tail. The list is an array, so indexing it through
        // IReadOnlyList allocates no enumerator.
        var random = new Random(3);
        Parameter[] parameters = RandomParameters(random, [[64, 33], [7], [1]]);
        RandomGradients(random, parameters);
        IOptimizer optimizer = c.Create();
        for (int i = 0; i < 5; i++) optimizer.Update(parameters);   // first call creates the state; the rest warm the JIT

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) optimizer.Update(parameters);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.That(allocated, Is.Zero, $"{c}: {allocated} bytes over 10 updates");
    }

    [TestCaseSource(typeof(OptimizerCase), nameof(OptimizerCase.All))]
    public void Update_GradOfAnotherShape_ThrowsNamingTheClassAndBothShapes(OptimizerCase c)
    {
        IOptimizer optimizer = c.Create();
        string name = optimizer.GetType().Name;
        var p = new Parameter("W1", NDArray.Zeros(3, 4)) { Grad = NDArray.Zeros(4, 3) };
        Assert.That(() => optimizer.Update([p]), Throws.ArgumentException
            .With.Message.StartsWith($"{name}.Update: parameter 'W1' has Grad (4, 3) but Value (3, 4)")
            .And.Property(nameof(ArgumentException.ParamName)).EqualTo("parameters"));
    }

    [TestCaseSource(typeof(OptimizerCase), nameof(OptimizerCase.All))]
    public void Update_NonContiguousGrad_Throws(OptimizerCase c)
    {
        IOptimizer optimizer = c.Create();
        var p = new Parameter("W1", NDArray.Zeros(3, 4)) { Grad = NDArray.Zeros(4, 3).T };   // right shape, transposed view
        Assert.That(() => optimizer.Update([p]), Throws.ArgumentException
            .With.Message.Contains($"{optimizer.GetType().Name}.Update: Grad of parameter 'W1' (3, 4) is a non-contiguous view"));
    }

    [TestCaseSource(typeof(OptimizerCase), nameof(OptimizerCase.All))]
    public void Update_NullList_Throws(OptimizerCase c) =>
        Assert.That(() => c.Create().Update(null!), Throws.ArgumentNullException);

    [TestCaseSource(typeof(OptimizerCase), nameof(OptimizerCase.All))]
    public void Update_EmptyList_DoesNothing(OptimizerCase c) =>
        Assert.That(() => c.Create().Update([]), Throws.Nothing);

    [Test]
    public void Update_WeightsGivenAsAView_AreCopiedOnce_AndTheParameterIsUpdated()
    {
        var storage = NDArray.Arange(12).Reshape(3, 4);
        var p = new Parameter("W", storage.T);                                 // (4, 3) transposed view → contiguous copy
        p.Grad.Fill(1f);
        new Sgd(0.5f).Update([p]);
        Assert.Multiple(() =>
        {
            Assert.That(p.Value[0, 1], Is.EqualTo(4f - 0.5f));                  // element [0, 1] of the transpose was storage[1, 0] = 4
            Assert.That(storage[1, 0], Is.EqualTo(4f), "the original array is not the parameter any more");
        });
    }
    /// <summary>Every stateful optimizer, plus the PyTorch forms of Momentum and Adam.</summary>
    private static IEnumerable<TestCaseData> StatefulOptimizers() =>
        OptimizerCase.Stateful().Select(c => new TestCaseData((Func<IOptimizer>)c.Create).SetArgDisplayNames(c.ToString()))
            .Append(new TestCaseData((Func<IOptimizer>)(() => new Momentum(convention: Convention.PyTorch))).SetArgDisplayNames("Momentum(PyTorch)"))
            .Append(new TestCaseData((Func<IOptimizer>)(() => new Adam(convention: Convention.PyTorch))).SetArgDisplayNames("Adam(PyTorch)"));

    [TestCaseSource(nameof(StatefulOptimizers))]
    public void State_UnderTinyThenZeroGradients_IsFlushedToZero_NeverLeftSubnormal(Func<IOptimizer> create)
    {
        // Gradients of 1e-20 square to 1e-40 (subnormal: v, h); then 1,000 zero gradients decay m and the velocities by
        // 0.9 or so a step, which in float32 stops a few units above zero unless the state is flushed (x86 computes on
        // subnormals ~100× slower). 37 elements: the vector body and the scalar tail.
        IOptimizer optimizer = create();
        var p = new Parameter("W", NDArray.Full([37], 0.5f));
        for (int step = 0; step < 1005; step++)
        {
            p.Grad.Fill(step < 5 ? 1e-20f : 0f);
            optimizer.Update([p]);
        }
        foreach (var (name, values) in optimizer.GetState(p))
            Assert.That(values.Where(float.IsSubnormal), Is.Empty, $"state {name}");
    }
}
