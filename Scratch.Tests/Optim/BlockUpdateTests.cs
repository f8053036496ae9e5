using System.Runtime.InteropServices;
using Scratch.Optim;
using Scratch.Tensors;
using Scratch.Tensors.Kernels;

namespace Scratch.Tests.Optim;

/// <summary>
/// Elementwise rules update a large parameter in blocks on several threads: the results must be bit-identical to one
/// whole-parameter Step, for any thread count; a rule that does not declare itself elementwise still sees the whole parameter.
/// The weight-decay gradient passes are cut the same way.
/// </summary>
[NonParallelizable]   // sets ParallelRange.MaxThreads and Blocks.Enabled
public class BlockUpdateTests
{
    // A large parameter of awkward length (18 full blocks and 5,089 elements, not a multiple of any vector), one just
    // below the block threshold, and two biases.
    private static readonly int[] Sizes = [300_001, Blocks.MinElements - 1, 1000, 100];

    private static void WithSettings(int threads, bool inBlocks, Action body)
    {
        (int savedThreads, bool savedBlocks) = (ParallelRange.MaxThreads, Blocks.Enabled);
        (ParallelRange.MaxThreads, Blocks.Enabled) = (threads, inBlocks);
        try { body(); }
        finally { (ParallelRange.MaxThreads, Blocks.Enabled) = (savedThreads, savedBlocks); }
    }

    /// <summary>Every built-in rule, in both conventions where it has two.</summary>
    public static IEnumerable<OptimizerCase> Rules() =>
        OptimizerCase.All().Concat(
        [
            new("Momentum(PyTorch)", () => new Momentum(0.05f, 0.5f, Convention.PyTorch), () => null!),
            new("Adam(PyTorch)", () => new Adam(0.01f, 0.8f, 0.99f, Convention.PyTorch), () => null!),
        ]);

    /// <summary>
    /// Gradients for step <paramref name="step"/>: random, with runs of zeros and of tiny values (so state decays
    /// toward the subnormal range and is flushed) in places that cross block boundaries.
    /// </summary>
    private static float[] Gradient(int size, int step)
    {
        var random = new Random(1000 * step + size);
        float[] g = new float[size];
        for (int i = 0; i < size; i++)
            g[i] = (float)(random.NextDouble() * 2 - 1);
        for (int i = 0; i < size; i += 3 * Blocks.Elements / 2)   // a run of 200 zeros, then 200 tiny values
            for (int k = i; k < Math.Min(size, i + 400); k++)
                g[k] = k < i + 200 ? 0f : 1e-30f * g[k];
        return g;
    }

    /// <summary>Runs <paramref name="steps"/> updates and returns every parameter's final value and state arrays, as bits.</summary>
    private static List<int[]> Train(OptimizerCase rule, int threads, bool inBlocks, int steps)
    {
        var results = new List<int[]>();
        WithSettings(threads, inBlocks, () =>
        {
            IOptimizer optimizer = rule.Create();
            Parameter[] parameters = [.. Sizes.Select((n, k) => new Parameter($"p{k}", NDArray.FromArray(Gradient(n, -1), [n])))];
            for (int step = 0; step < steps; step++)
            {
                foreach (Parameter p in parameters)
                    Gradient(p.Value.Size, step).CopyTo(p.Grad.AsSpan());
                optimizer.Update(parameters);
            }
            foreach (Parameter p in parameters)
            {
                results.Add(Bits(p.Value.ToArray()));
                foreach ((string _, float[] values) in optimizer.GetState(p).OrderBy(s => s.Key, StringComparer.Ordinal))
                    results.Add(Bits(values));
            }
        });
        return results;
    }

    private static int[] Bits(float[] values) => MemoryMarshal.Cast<float, int>(values).ToArray();

    [Test]
    public void BuiltInRule_InBlocks_IsBitIdenticalToWholeParameterStep([ValueSource(nameof(Rules))] OptimizerCase rule, [Values(1, 2)] int threads)
    {
        List<int[]> whole = Train(rule, threads: 1, inBlocks: false, steps: 4);
        List<int[]> blocks = Train(rule, threads, inBlocks: true, steps: 4);
        Assert.That(blocks, Has.Count.EqualTo(whole.Count));
        for (int k = 0; k < whole.Count; k++)
            Assert.That(blocks[k], Is.EqualTo(whole[k]), $"{rule}, array {k} of value and state (bits)");
    }

    /// <summary>A user rule that records the lengths and step counts each Step call sees, and adds 1 to each element of W.</summary>
    private sealed class RecordingRule(bool elementwise) : Optimizer(0.1f, slots: ["s"])
    {
        public readonly List<(int W, int G, int State, int Steps)> Calls = [];

        protected override bool IsElementwise => elementwise;

        protected override void Step(Span<float> w, ReadOnlySpan<float> g, OptimizerState state)
        {
            lock (Calls) Calls.Add((w.Length, g.Length, state[0].Length, state.Steps));
            for (int i = 0; i < w.Length; i++)
            {
                w[i] += 1f;
                state[0][i] += g[i];
            }
        }
    }

    [Test]
    public void UserRule_NotElementwise_GetsTheWholeParameterInOneStep([Values(1, 2)] int threads)
    {
        WithSettings(threads, inBlocks: true, () =>
        {
            var rule = new RecordingRule(elementwise: false);
            var p = new Parameter("W", NDArray.Zeros(300_001));
            rule.Update([p]);
            rule.Update([p]);
            Assert.That(rule.Calls, Is.EqualTo(new[] { (300_001, 300_001, 300_001, 1), (300_001, 300_001, 300_001, 2) }));
        });
    }

    [Test]
    public void UserRule_Elementwise_GetsBlocksCoveringEachElementOnce_WithSlicedState([Values(1, 2)] int threads)
    {
        WithSettings(threads, inBlocks: true, () =>
        {
            var rule = new RecordingRule(elementwise: true);
            var p = new Parameter("W", NDArray.Zeros(300_001));
            p.Grad.AsSpan().Fill(0.5f);
            rule.Update([p]);
            rule.Update([p]);

            int blocks = (300_001 + Blocks.Elements - 1) / Blocks.Elements;
            Assert.That(rule.Calls, Has.Count.EqualTo(2 * blocks));
            Assert.That(rule.Calls.Select(c => c.W).Order(), Is.EqualTo(
                Enumerable.Repeat(300_001 % Blocks.Elements, 2).Concat(Enumerable.Repeat(Blocks.Elements, 2 * (blocks - 1)))));
            Assert.That(rule.Calls, Has.All.Matches<(int W, int G, int State, int Steps)>(c => c.G == c.W && c.State == c.W));
            Assert.That(rule.Calls.Count(c => c.Steps == 1), Is.EqualTo(blocks));
            Assert.That(p.Value.ToArray(), Has.All.EqualTo(2f), "every element updated once per Update");
            Assert.That(rule.GetState(p)["s"], Has.Length.EqualTo(300_001).And.All.EqualTo(1f));
        });
    }

    [Test]
    public void UserRule_Elementwise_SmallParameter_GetsOneStep()
    {
        var rule = new RecordingRule(elementwise: true);
        rule.Update([new Parameter("b", NDArray.Zeros(Blocks.MinElements - 1))]);
        Assert.That(rule.Calls, Is.EqualTo(new[] { (Blocks.MinElements - 1, Blocks.MinElements - 1, Blocks.MinElements - 1, 1) }));
    }

    [Test]
    public void BlockUpdate_AllocatesNothingOnceWarm([Values(1, 2)] int threads)
    {
        WithSettings(threads, inBlocks: true, () =>
        {
            var adam = new Adam();
            Parameter[] parameters = [new("W", NDArray.Zeros(432, 1000)), new("b", NDArray.Zeros(1000))];
            for (int i = 0; i < 5; i++) adam.Update(parameters);
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 5; i++) adam.Update(parameters);
            Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0));
        });
    }

    /// <summary>Grad after two weight-decay gradient passes over the <see cref="Sizes"/> weights, as bits.</summary>
    private static List<int[]> DecayGradients(bool l1, int threads, bool inBlocks)
    {
        var results = new List<int[]>();
        WithSettings(threads, inBlocks, () =>
        {
            Parameter[] weights = [.. Sizes.Select((n, k) => new Parameter($"W{k}", NDArray.FromArray(Gradient(n, -1), [n])))];
            foreach (Parameter p in weights)
            {
                p.Value.AsSpan()[..Math.Min(300, p.Value.Size)].Clear();   // sign(0) = 0 for L1
                Gradient(p.Value.Size, 0).CopyTo(p.Grad.AsSpan());
            }
            for (int pass = 0; pass < 2; pass++)
                if (l1) WeightDecay.AddL1Gradient(weights, 0.3f);
                else WeightDecay.AddL2Gradient(weights, 0.3f);
            results.AddRange(weights.Select(p => Bits(p.Grad.ToArray())));
        });
        return results;
    }

    [Test]
    public void WeightDecayGradient_InBlocks_IsBitIdenticalToOnePass([Values(false, true)] bool l1, [Values(1, 2)] int threads)
    {
        List<int[]> whole = DecayGradients(l1, threads: 1, inBlocks: false);
        List<int[]> blocks = DecayGradients(l1, threads, inBlocks: true);
        for (int k = 0; k < whole.Count; k++)
            Assert.That(blocks[k], Is.EqualTo(whole[k]), $"{(l1 ? "L1" : "L2")} gradient of weight {k} (bits)");
    }
}
