using Scratch.Tensors;

namespace Scratch.Tests.Tensors;

/// <summary>Plain, obviously-correct helpers the tests compare the library against.</summary>
internal static class Reference
{
    /// <summary>Every multi-index of <paramref name="shape"/> in row-major order.</summary>
    public static IEnumerable<int[]> Indices(int[] shape)
    {
        int size = shape.Aggregate(1, (p, d) => p * d);
        var index = new int[shape.Length];
        for (int flat = 0; flat < size; flat++)
        {
            int rest = flat;
            for (int k = shape.Length - 1; k >= 0; k--)
            {
                index[k] = rest % shape[k];
                rest /= shape[k];
            }
            yield return (int[])index.Clone();
        }
    }

    /// <summary>The logical elements read one by one through the indexer (independent of the run walker).</summary>
    public static float[] Elements(NDArray x) => Indices(x.Shape).Select(i => x[i]).ToArray();

    public static float[] RandomData(int size, int seed, float scale = 1f)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, size).Select(_ => (float)(random.NextDouble() * 2 - 1) * scale).ToArray();
    }

    public static NDArray Random(int seed, params int[] shape) =>
        NDArray.FromArray(RandomData(shape.Aggregate(1, (p, d) => p * d), seed), shape);

    /// <summary>The layouts every op is tested on.</summary>
    public enum Layout { Contiguous, Transposed, Strided, Offset, Broadcast }

    /// <summary>An array of <paramref name="shape"/> with random values, laid out as <paramref name="layout"/> says.</summary>
    public static NDArray Make(Layout layout, int seed, params int[] shape)
    {
        switch (layout)
        {
            case Layout.Contiguous:
                return Random(seed, shape);
            case Layout.Transposed:   // the reversed shape, transposed back: strides run the other way
                return Random(seed, shape.Reverse().ToArray()).Transpose();
            case Layout.Strided:      // every other element of the last axis
            {
                int[] wide = (int[])shape.Clone();
                if (wide.Length == 0) return Random(seed, shape);
                wide[^1] = shape[^1] * 2;
                return Random(seed, wide).Slice(-1, 0, wide[^1], 2);
            }
            case Layout.Broadcast:    // one row repeated along axis 0 with stride 0
            {
                if (shape.Length == 0 || shape[0] == 0) return Random(seed, shape);
                return Random(seed, [1, .. shape[1..]]).BroadcastTo(shape);
            }
            default:                  // starts one row in
            {
                if (shape.Length == 0) return Random(seed, shape);
                int[] tall = (int[])shape.Clone();
                tall[0] += 1;
                return Random(seed, tall).Slice(0, 1, tall[0]);
            }
        }
    }

    public static IEnumerable<int[]> AwkwardShapes()
    {
        foreach (int n in new[] { 1, 7, 33, 100, 257 })
        {
            yield return [n];
            yield return [3, n];
            yield return [n, 5];
        }
        yield return [2, 3, 4, 5];
        yield return [0, 4];
    }
}
