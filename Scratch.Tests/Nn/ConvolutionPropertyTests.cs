using CsCheck;
using Scratch.Nn;
using Scratch.Tensors;
using ParallelRange = Scratch.Tensors.Kernels.ParallelRange;

namespace Scratch.Tests.Nn;

/// <summary>
/// Property-based tests (CsCheck) of <see cref="Convolution"/>: on random geometries (strides, padding, non-square
/// filters and maps, filter counts that do and do not fill the register tiles, inputs given as transposed views), the
/// batch-wide kernels agree with the book's im2col code forward, with the ReLU fused and backward, and give the same
/// bits on one thread and on two; a network's fused Convolution → Relu → MaxPooling passes equal its layers run one by
/// one. A failure shrinks to a small geometry, printed with its seed.
/// </summary>
[NonParallelizable]   // sets ParallelRange.MaxThreads
public class ConvolutionPropertyTests
{
    /// <summary>One layer and its input: x (N, C, H, W), read through a transposed view when <paramref name="XTransposed"/>; W (FN, C, FH, FW).</summary>
    private sealed record ConvCase(int N, int C, int H, int W, int FN, int FH, int FW, int Stride, int Pad, bool XTransposed, uint Seed)
    {
        public override string ToString() =>
            $"x ({N}, {C}, {H}, {W}){(XTransposed ? " as a transposed view" : "")}, W ({FN}, {C}, {FH}, {FW}), stride {Stride}, pad {Pad}, seed {Seed}";
    }

    private static readonly Gen<ConvCase> Cases =
        from n in Gen.Int[1, 4]
        from c in Gen.OneOf(Gen.Int[1, 20], Gen.Const(32))
        from fn in Gen.OneOf(Gen.Int[1, 40], Gen.Const(32), Gen.Const(64))
        from fh in Gen.Int[1, 5]
        from fw in Gen.Int[1, 5]
        from stride in Gen.OneOf(Gen.Const(1), Gen.Const(1), Gen.Int[2, 3])
        from pad in Gen.Int[0, 3]
        from h in Gen.Int[1, 16]
        from w in Gen.Int[1, 16]
        from transposed in Gen.Bool
        from seed in Gen.UInt[0, 1000]
        select new ConvCase(n, c, Math.Max(h, fh - 2 * pad), Math.Max(w, fw - 2 * pad), fn, fh, fw, stride, pad, transposed, seed);

    [Test]
    public void BatchGemm_AgreesWithIm2ColReference_AndDoesNotDependOnTheThreadCount()
    {
        int saved = ParallelRange.MaxThreads;
        try
        {
            Cases.Sample(c =>
            {
                NDArray w = NDArray.RandomNormal([c.FN, c.C, c.FH, c.FW], 0f, 1f, c.Seed), b = NDArray.RandomNormal([c.FN], 0f, 1f, c.Seed + 1);
                NDArray x = c.XTransposed
                    ? NDArray.RandomNormal([c.N, c.C, c.W, c.H], 0f, 1f, c.Seed + 2).Transpose(0, 1, 3, 2)
                    : NDArray.RandomNormal([c.N, c.C, c.H, c.W], 0f, 1f, c.Seed + 2);
                var reference = new Convolution(w, b, c.Stride, c.Pad) { Algorithm = ConvolutionAlgorithm.Im2ColReference };
                NDArray y = reference.Forward(x, training: true);
                NDArray dout = NDArray.RandomNormal(y.Shape, 0f, 1f, c.Seed + 3);
                float[][] expected = [y.ToArray(), y.Relu().ToArray(), reference.Backward(dout).ToArray(), reference.W.Grad.ToArray(), reference.B.Grad.ToArray()];

                float[][]? oneThread = null;
                foreach (int threads in new[] { 1, 2 })
                {
                    ParallelRange.MaxThreads = threads;
                    var fast = new Convolution(w, b, c.Stride, c.Pad);
                    float[] forward = fast.Forward(x, training: true).ToArray();
                    float[] fused = fast.Forward(x, training: true, relu: true).ToArray();
                    fast.Forward(x, training: true);
                    float[][] got = [forward, fused, fast.Backward(dout).ToArray(), fast.W.Grad.ToArray(), fast.B.Grad.ToArray()];
                    for (int i = 0; i < got.Length; i++)
                        if (!Close(got[i], expected[i]) || (oneThread is not null && !got[i].SequenceEqual(oneThread[i])))
                            return false;
                    oneThread = got;
                }
                return true;
            }, iter: 300);
        }
        finally { ParallelRange.MaxThreads = saved; }
    }

    /// <summary>Two blocks of Convolution → Relu → MaxPooling, then Affine to 4 classes: the first block's geometry and the pooling are random.</summary>
    private sealed record NetworkCase(int N, int C, int H, int FN, int F, int Pad, int Pool, int PoolStride, int FN2, uint Seed)
    {
        public override string ToString() =>
            $"x ({N}, {C}, {H}, {H}), conv {FN}×{C}×{F}×{F} pad {Pad}, pool {Pool} stride {PoolStride}, then conv {FN2}×{FN}×3×3 pad 1 and the same pooling, seed {Seed}";

        /// <summary>Side of a map after a block, or 0 when the convolution's output holds no window: (side + 2·pad − F + 1 − Pool) / PoolStride + 1.</summary>
        public int After(int side, int f, int pad) => side + 2 * pad - f + 1 < Pool ? 0 : (side + 2 * pad - f + 1 - Pool) / PoolStride + 1;
    }

    private static readonly Gen<NetworkCase> NetworkCases =
        from n in Gen.Int[1, 6]
        from c in Gen.Int[1, 6]
        from fn in Gen.OneOf(Gen.Int[1, 20], Gen.Const(16), Gen.Const(32))
        from f in Gen.Int[1, 5]
        from pad in Gen.Int[0, 2]
        from pool in Gen.Int[1, 3]
        from poolStride in Gen.Int[1, 3]
        from fn2 in Gen.OneOf(Gen.Int[1, 20], Gen.Const(32))
        from seed in Gen.UInt[0, 1000]
        from extra in Gen.Int[0, 8]
        // the smallest input whose maps still hold one window after both blocks, plus a random margin
        let side = Math.Max(1, f - 2 * pad) + (pool - 1) + (pool - 1) * poolStride + (pool - 1) * poolStride * poolStride + extra
        select new NetworkCase(n, c, side, fn, f, pad, pool, poolStride, fn2, seed);

    /// <summary>
    /// <see cref="Sequential.Gradient"/> runs each Convolution → Relu → MaxPooling block as one pass over chunks of images,
    /// and the second block's dx through its pooled gradient: on random geometries its loss and gradients are bit for bit
    /// those of every layer's own Forward and Backward.
    /// </summary>
    [Test]
    public void FusedConvolutionReluPooling_EqualsLayerByLayer()
    {
        NetworkCases.Sample(c =>
        {
            int side1 = c.After(c.H, c.F, c.Pad), side2 = c.After(side1, 3, 1);
            if (side1 < 1 || side2 < 1)
                return false;   // the generator sizes the input for both blocks
            Sequential Make() => new([
                new Convolution(NDArray.RandomNormal([c.FN, c.C, c.F, c.F], 0f, 0.5f, c.Seed), NDArray.RandomNormal([c.FN], 0f, 0.5f, c.Seed + 1), 1, c.Pad),
                new Relu(), new MaxPooling(c.Pool, c.Pool, c.PoolStride),
                new Convolution(NDArray.RandomNormal([c.FN2, c.FN, 3, 3], 0f, 0.3f, c.Seed + 2), NDArray.RandomNormal([c.FN2], 0f, 0.5f, c.Seed + 3), 1, 1),
                new Relu(), new MaxPooling(c.Pool, c.Pool, c.PoolStride),
                new Flatten(), new Affine(NDArray.RandomNormal([c.FN2 * side2 * side2, 4], 0f, 0.5f, c.Seed + 4), NDArray.Zeros(4))], new SoftmaxWithLoss());
            NDArray x = NDArray.RandomNormal([c.N, c.C, c.H, c.H], 0f, 1f, c.Seed + 5);
            NDArray t = NDArray.FromArray(Enumerable.Range(0, c.N).Select(i => (float)(i % 4)).ToArray());
            Sequential together = Make(), apart = Make();
            float lossTogether = together.Gradient(x, t).Loss;
            float lossApart = apart.Loss(x, t, training: true);
            NDArray dout = apart.LastLayer.Backward(1f);
            for (int i = apart.Layers.Count - 1; i >= 0; i--)
                dout = apart.Layers[i].Backward(dout);
            return lossTogether.Equals(lossApart) && together.Params.All(kv => kv.Value.Grad.ToArray().SequenceEqual(apart.Params[kv.Key].Grad.ToArray()));
        }, iter: 100);
    }

    /// <summary>Equal up to float rounding of long sums: every |a − b| ≤ 1e-5·max|b| + 1e-5.</summary>
    private static bool Close(float[] actual, float[] expected)
    {
        if (actual.Length != expected.Length)
            return false;
        float tolerance = 1e-5f * (expected.Length == 0 ? 0 : expected.Max(MathF.Abs)) + 1e-5f;
        for (int i = 0; i < actual.Length; i++)
            if (!(Math.Abs(actual[i] - expected[i]) <= tolerance))
                return false;
        return true;
    }
}
