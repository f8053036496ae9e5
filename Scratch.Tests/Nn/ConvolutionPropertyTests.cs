using CsCheck;
using Scratch.Nn;
using Scratch.Tensors;
using Scratch.Tensors.Kernels;

namespace Scratch.Tests.Nn;

/// <summary>
/// Property-based tests (CsCheck) of <see cref="Convolution"/>: on random geometries (strides, padding, non-square
/// filters and maps, filter counts that do and do not fill the register tiles, inputs given as transposed views), the
/// batch-wide kernels agree with the book's im2col code forward, with the ReLU fused and backward, and give the same
/// bits on one thread and on two. A failure shrinks to a small geometry, printed with its seed.
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
