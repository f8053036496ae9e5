using CsCheck;
using NUnit.Framework;
using Scratch.Tensors;
using Scratch.Tensors.Kernels;
using ViewSpec = Scratch.Tests.Tensors.PropertyTests.ViewSpec;

namespace Scratch.Tests.Tensors;

/// <summary>
/// Property-based tests (CsCheck) of <see cref="NDArray.MatMul"/> and the GEMM kernels: every kernel, random shapes,
/// batch axes that broadcast, transposed, strided, offset and repeated operands, accumulate, bias and ReLU, and 1 vs 2
/// threads. A failure shrinks to a small example, printed with its seed in the test output.
/// </summary>
public class MatMulPropertyTests
{
    private const float Epsilon = 1f / (1 << 23);   // float32's machine epsilon

    /// <summary>One call of <see cref="NDArray.MatMul"/>: the operands, the optional destination and the epilogue.</summary>
    /// <param name="A">a: (…, M, K), or (K) when its shape has rank 1.</param>
    /// <param name="B">b: (…, K, N), or (K).</param>
    /// <param name="Into">The destination view (pre-filled with random values), or null for a new array.</param>
    /// <param name="Bias">0 none, 1 one per column (N), 2 one per row (M, 1).</param>
    private sealed record MatMulCase(ViewSpec A, ViewSpec B, ViewSpec? Into, bool Accumulate, int Bias, bool Relu, GemmKernel Kernel)
    {
        public override string ToString() =>
            $"{Kernel}: a [{A}] · b [{B}], into {(Into is null ? "none" : $"[{Into}]")}, accumulate {Accumulate}, "
            + $"bias {(Bias == 0 ? "none" : Bias == 1 ? "(N)" : "(M, 1)")}, relu {Relu}";
    }

    /// <summary>A random view of <paramref name="shape"/>: any axis order, steps ±1 or 2, an offset, and (optionally) repeated axes.</summary>
    private static Gen<ViewSpec> ViewOf(int[] shape, bool broadcast) =>
        from order in Gen.Shuffle(Enumerable.Range(0, shape.Length).ToArray())
        from steps in Gen.OneOf(Gen.Const(1), Gen.Const(1), Gen.Const(2), Gen.Const(-1)).Array[shape.Length]
        from pad in Gen.Int[0, 3]
        from flags in (broadcast ? Gen.Int[0, 5].Select(r => r == 0) : Gen.Const(false)).Array[shape.Length]
        from seed in Gen.Int[0, 1000]
        select new ViewSpec(shape, order, steps, pad, flags, seed);

    /// <summary>A batch shape that broadcasts to <paramref name="batch"/>: some leading axes dropped, some lengths set to 1.</summary>
    private static Gen<int[]> BroadcastableTo(int[] batch) =>
        from drop in Gen.Int[0, batch.Length]
        from ones in Gen.Bool.Array[batch.Length]
        select batch.Skip(drop).Select((d, k) => ones[k + drop] ? 1 : d).ToArray();

    private static readonly Gen<MatMulCase> Cases =
        from batch in Gen.Int[1, 3].Array[0, 2]
        from m in Gen.Int[1, 20]
        from n in Gen.Int[1, 20]
        from k in Gen.OneOf(Gen.Int[0, 40], Gen.Const(33))
        from aVector in Gen.Int[0, 7].Select(r => r == 0)
        from bVector in Gen.Int[0, 7].Select(r => r == 0)
        from aBatch in BroadcastableTo(batch)
        from bBatch in BroadcastableTo(batch)
        let aShape = aVector ? new[] { k } : [.. aBatch, m, k]
        let bShape = bVector ? new[] { k } : [.. bBatch, k, n]
        from a in ViewOf(aShape, broadcast: true)
        from b in ViewOf(bShape, broadcast: true)
        from accumulate in Gen.Bool
        from withInto in accumulate ? Gen.Const(true) : Gen.Bool
        from destination in withInto ? ViewOf(OutShape(aShape, bShape), broadcast: false).Select(v => (ViewSpec?)v) : Gen.Const((ViewSpec?)null)
        from bias in Gen.Int[0, 2]
        from relu in Gen.Bool
        from kernel in Gen.OneOf(Enum.GetValues<GemmKernel>().Select(v => Gen.Const(v)).ToArray())
        select new MatMulCase(a, b, destination, accumulate, bias, relu, kernel);

    [Test]
    public void MatMul_AgreesWithTheDefinition_ForEveryKernelLayoutAndEpilogue()
    {
        // The kernel's result and the Naive kernel's result are both within float rounding (scaled by K) of the
        // product summed in double, element by element through the indexers. Inputs are never written, and
        // elements of into's storage outside the view are never touched.
        Cases.Sample(c =>
        {
            NDArray a = c.A.Build(), b = c.B.Build();
            float[] aBefore = (float[])a.Storage.Clone(), bBefore = (float[])b.Storage.Clone();
            NDArray? bias = Bias(c, a, b);
            double[] exact = Exact(c, a, b, bias, out double[] bound);
            int[] outShape = OutShape(c.A.Shape, c.B.Shape);

            foreach (GemmKernel kernel in new[] { c.Kernel, GemmKernel.Naive })
            {
                NDArray? into = c.Into?.Build();
                float[]? intoBefore = (float[]?)into?.Storage.Clone();
                NDArray result = NDArray.MatMul(a, b, into, kernel, c.Accumulate, bias, c.Relu);
                if (!result.Shape.SequenceEqual(outShape) || (into is not null && !ReferenceEquals(result, into)))
                    return false;
                float[] got = Reference.Elements(result);
                for (int e = 0; e < got.Length; e++)
                    if (!(Math.Abs(got[e] - exact[e]) <= bound[e]))
                        return false;
                if (into is not null && !OutsideUntouched(into, intoBefore!))
                    return false;
            }
            return a.Storage.SequenceEqual(aBefore) && b.Storage.SequenceEqual(bBefore);
        }, iter: 400);
    }

    [Test]
    public void MatMul_OfEmptyOperandsWhoseOffsetLiesPastTheStorage_IsBiasOnly()
    {
        // Shrunk from the property above: reversing or slicing the non-empty axis of a (0, n) array leaves its
        // offset past its empty storage; MatMul (and the copy it makes of a reversed operand) must read nothing.
        NDArray reversed = NDArray.Zeros(0, 9).Slice(1, -1, int.MinValue, -1);   // np.zeros((0, 9))[:, ::-1]
        NDArray sliced = NDArray.Zeros(0, 18).Slice(1, 9, 18);                   // np.zeros((0, 18))[:, 9:]
        NDArray bias = NDArray.Arange(9);
        foreach (NDArray b in new[] { reversed, sliced })
            foreach (GemmKernel kernel in Enum.GetValues<GemmKernel>())
            {
                NDArray product = NDArray.MatMul(NDArray.Ones(4, 0), b, kernel: kernel, bias: bias);
                Assert.That(product.Shape, Is.EqualTo(new[] { 4, 9 }));
                Assert.That(product.ToArray(), Is.EqualTo(Enumerable.Repeat(bias.ToArray(), 4).SelectMany(row => row).ToArray()), $"{kernel}");
            }
    }

    /// <summary>One call of the blocked kernel on strided spans, big enough to be split between threads.</summary>
    private sealed record ThreadCase(GemmTile Tile, int M, int N, int K, bool ATransposed, bool BTransposed, int ColumnStep, int CPad,
        bool Accumulate, int Bias, bool Relu, int Seed)
    {
        public override string ToString() =>
            $"Blocked({Tile}) (m={M}, n={N}, k={K}), a {(ATransposed ? "transposed" : "row-major")}, b {(BTransposed ? "transposed" : "row-major")}, "
            + $"inner step {ColumnStep}, c row padding {CPad}, accumulate {Accumulate}, bias {(Bias == 0 ? "none" : Bias == 1 ? "(N)" : "(M)")}, relu {Relu}, seed {Seed}";
    }

    private static readonly Gen<ThreadCase> ThreadCases =
        from m in Gen.Int[1, 200]
        from n in Gen.Int[1, 200]
        from k in Gen.Int[1, 200]
        from aTransposed in Gen.Bool
        from bTransposed in Gen.Bool
        from step in Gen.Int[1, 2]
        from cPad in Gen.Int[0, 3]
        from accumulate in Gen.Bool
        from bias in Gen.Int[0, 2]
        from relu in Gen.Bool
        from tile in Gen.OneOf(GemmBlocked.SupportedTiles().Select(v => Gen.Const(v)).ToArray())
        from seed in Gen.Int[0, 1000]
        // k grows until the product reaches the size the kernel splits between threads
        select new ThreadCase(tile, m, n, Math.Max(k, (int)((GemmBlocked.ParallelMinMultiplyAdds + (long)m * n - 1) / ((long)m * n))),
            aTransposed, bTransposed, step, cPad, accumulate, bias, relu, seed);

    /// <summary>
    /// A small C over a long depth is computed in parts of the depth, their partial C's added in order: on one and two
    /// threads bit for bit the same, and close to the naive product, with a transposed A, accumulation, a bias and ReLU.
    /// </summary>
    [Test]
    public void Blocked_SmallCOverLongDepth_InParts_IsBitIdenticalOnOneAndTwoThreads_AndAgreesWithNaive()
    {
        const int m = 37, n = 29, k = 9001, cRs = n + 2;
        Assert.That(GemmBlocked.DepthParts(m, n, k, kc: 768), Is.EqualTo(4), "cut in four parts");
        float[] a = Reference.RandomData(k * m, 1), b = Reference.RandomData(k * n, 2), start = Reference.RandomData(m * cRs, 3), bias = Reference.RandomData(n, 4);
        foreach (GemmTile tile in GemmBlocked.SupportedTiles())
        {
            float[] Run(int maxThreads)
            {
                float[] product = (float[])start.Clone();
                GemmBlocked.Multiply(m, n, k, a, 1, m, b, n, 1, product, cRs, accumulate: true, default, bias, relu: true, maxThreads, tile);   // A stored transposed
                return product;
            }
            float[] one = Run(1), two = Run(2), naive = (float[])start.Clone();
            GemmNaive.Multiply(m, n, k, a, 1, m, b, n, 1, naive, cRs, true, default, bias, true);
            Assert.That(two, Is.EqualTo(one), $"{tile}: one and two threads");
            Assert.That(one, Is.EqualTo(naive).Within(2e-3f), $"{tile}: against the naive product");
        }
    }

    [Test]
    public void Blocked_IsBitIdenticalOnOneAndTwoThreads_AndAgreesWithNaive()
    {
        ThreadCases.Sample(c =>
        {
            // A is (m, k) stored row-major or transposed, read with every ColumnStep-th element along its rows;
            // the same for B (k, n). C's rows are padded, and the padding must stay as it was.
            var (aRs, aCs, aLength) = Layout(c.M, c.K, c.ATransposed, c.ColumnStep);
            var (bRs, bCs, bLength) = Layout(c.K, c.N, c.BTransposed, c.ColumnStep);
            float[] a = Reference.RandomData(aLength, c.Seed), b = Reference.RandomData(bLength, c.Seed + 1);
            int cRs = c.N + c.CPad;
            float[] start = Reference.RandomData(c.M * cRs, c.Seed + 2);
            float[] rowBias = c.Bias == 2 ? Reference.RandomData(c.M, c.Seed + 3) : [];
            float[] columnBias = c.Bias == 1 ? Reference.RandomData(c.N, c.Seed + 3) : [];

            float[] Run(int maxThreads)
            {
                float[] product = (float[])start.Clone();
                GemmBlocked.Multiply(c.M, c.N, c.K, a, aRs, aCs, b, bRs, bCs, product, cRs, c.Accumulate, rowBias, columnBias, c.Relu, maxThreads, c.Tile);
                return product;
            }
            float[] one = Run(1), two = Run(2);
            float[] naive = (float[])start.Clone();
            GemmNaive.Multiply(c.M, c.N, c.K, a, aRs, aCs, b, bRs, bCs, naive, cRs, c.Accumulate, rowBias, columnBias, c.Relu);
            if (!one.SequenceEqual(two))
                return false;
            for (int i = 0; i < c.M; i++)
            {
                for (int j = 0; j < c.N; j++)
                {
                    double magnitude = (c.Accumulate ? Math.Abs(start[i * cRs + j]) : 0) + (rowBias.Length > 0 ? Math.Abs(rowBias[i]) : 0)
                        + (columnBias.Length > 0 ? Math.Abs(columnBias[j]) : 0);
                    for (int p = 0; p < c.K; p++)
                        magnitude += Math.Abs((double)a[i * aRs + p * aCs] * b[p * bRs + j * bCs]);
                    if (!(Math.Abs(one[i * cRs + j] - naive[i * cRs + j]) <= Tolerance(c.K, magnitude)))
                        return false;
                }
                for (int j = c.N; j < cRs; j++)
                    if (one[i * cRs + j] != start[i * cRs + j])
                        return false;
            }
            return true;
        }, iter: 16);
    }

    /// <summary>Row stride, column stride and span length of a (rows, cols) matrix stored row-major or transposed, every <paramref name="step"/>-th element along a row.</summary>
    private static (int RowStride, int ColStride, int Length) Layout(int rows, int cols, bool transposed, int step) =>
        transposed
            ? (step, rows * step, rows * step * cols)    // stored (cols, rows·step): element (i, p) at p·rows·step + i·step
            : (cols * step, step, rows * cols * step);   // stored (rows, cols·step)

    /// <summary>
    /// The largest rounding error float32 may make on one result element: each of the K products and K + 2 additions
    /// (the earlier C and the bias) rounds once, relative to the sum of the magnitudes that went in.
    /// </summary>
    private static double Tolerance(int k, double magnitude) => 2 * (k + 3) * Epsilon * magnitude + 1e-30;

    private static int[] OutShape(int[] aShape, int[] bShape)
    {
        int[] aBatch = aShape.Length == 1 ? [] : aShape[..^2], bBatch = bShape.Length == 1 ? [] : bShape[..^2];
        int rank = Math.Max(aBatch.Length, bBatch.Length);
        int[] batch = Enumerable.Range(0, rank).Select(k => Math.Max(Dim(aBatch, k - rank + aBatch.Length), Dim(bBatch, k - rank + bBatch.Length))).ToArray();
        return [.. batch, .. (aShape.Length == 1 ? Array.Empty<int>() : [aShape[^2]]), .. (bShape.Length == 1 ? Array.Empty<int>() : [bShape[^1]])];

        static int Dim(int[] shape, int axis) => axis < 0 ? 1 : shape[axis];
    }

    private static NDArray? Bias(MatMulCase c, NDArray a, NDArray b)
    {
        int m = a.Rank == 1 ? 1 : a.Shape[^2], n = b.Rank == 1 ? 1 : b.Shape[^1];
        return c.Bias switch
        {
            1 => Reference.Random(c.A.Seed + 7, n),
            2 => Reference.Random(c.A.Seed + 8, m, 1),
            _ => null,
        };
    }

    /// <summary>
    /// The definition, in double, read element by element through the indexers, in the result's row-major order;
    /// <paramref name="bound"/> gets each element's rounding tolerance.
    /// </summary>
    private static double[] Exact(MatMulCase c, NDArray a, NDArray b, NDArray? bias, out double[] bound)
    {
        int[] outShape = OutShape(c.A.Shape, c.B.Shape);
        int k = c.A.Shape[^1];
        int batchRank = outShape.Length - (a.Rank == 1 ? 0 : 1) - (b.Rank == 1 ? 0 : 1);
        NDArray? before = c.Accumulate ? c.Into!.Build() : null;   // the same seed: into's values before the call
        var results = new List<double>();
        var bounds = new List<double>();
        foreach (int[] index in Reference.Indices(outShape))
        {
            int[] batch = index[..batchRank];
            int i = a.Rank == 1 ? 0 : index[batchRank];
            int j = b.Rank == 1 ? 0 : index[^1];
            double sum = 0, magnitude = 0;
            for (int p = 0; p < k; p++)
            {
                double product = (double)(a.Rank == 1 ? a[p] : a[[.. Broadcast(batch, a.Shape[..^2]), i, p]])
                    * (b.Rank == 1 ? b[p] : b[[.. Broadcast(batch, b.Shape[..^2]), p, j]]);
                sum += product;
                magnitude += Math.Abs(product);
            }
            double earlier = before is null ? 0 : before[index], added = bias is null ? 0 : bias.Rank == 1 ? bias[j] : bias[i, 0];
            sum += earlier + added;
            magnitude += Math.Abs(earlier) + Math.Abs(added);
            results.Add(c.Relu ? Math.Max(sum, 0) : sum);
            bounds.Add(Tolerance(k, magnitude));
        }
        bound = [.. bounds];
        return [.. results];
    }

    /// <summary>The index into an operand's batch axes <paramref name="shape"/> that broadcasting maps <paramref name="batch"/> to.</summary>
    private static int[] Broadcast(int[] batch, int[] shape) =>
        shape.Select((d, axis) => d == 1 ? 0 : batch[axis + batch.Length - shape.Length]).ToArray();

    /// <summary>True when every storage element that <paramref name="view"/> does not cover still has its value from <paramref name="before"/>.</summary>
    private static bool OutsideUntouched(NDArray view, float[] before)
    {
        var inside = new HashSet<int>(Reference.Indices(view.Shape).Select(index => view.Offset + index.Select((x, axis) => x * view.Strides[axis]).Sum()));
        return Enumerable.Range(0, before.Length).All(at => inside.Contains(at) || view.Storage[at] == before[at]);
    }
}
