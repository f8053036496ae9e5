using System.Diagnostics;

namespace Scratch.Tensors.Kernels;

/// <summary>The reference GEMM: <c>C[i, j] = relu?(Σ_p A[i, p]·B[p, j] (+ C[i, j]) + bias)</c>, one dot product per element of C.</summary>
internal static class GemmNaive
{
    /// <summary><c>C[i, j] = Σ_p A[i, p]·B[p, j]</c> (or <c>+=</c>), summed in float in the order p = 0 … k-1, then the epilogue.</summary>
    /// <remarks>Arguments as in <see cref="Gemm.Multiply(GemmKernel, int, int, int, ReadOnlySpan{float}, int, int, ReadOnlySpan{float}, int, int, Span{float}, int, bool, ReadOnlySpan{float}, ReadOnlySpan{float}, bool)"/>, already validated.</remarks>
    public static void Multiply(int m, int n, int k,
        ReadOnlySpan<float> a, int aRowStride, int aColStride,
        ReadOnlySpan<float> b, int bRowStride, int bColStride,
        Span<float> c, int cRowStride, bool accumulate,
        ReadOnlySpan<float> rowBias, ReadOnlySpan<float> columnBias, bool relu)
    {
        Debug.Assert(m >= 0 && n >= 0 && k >= 0);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                float sum = 0f;
                for (int p = 0; p < k; p++)
                    sum += a[i * aRowStride + p * aColStride] * b[p * bRowStride + j * bColStride];
                ref float cij = ref c[i * cRowStride + j];
                cij = GemmEpilogue.Apply(accumulate ? cij + sum : sum, rowBias, i, columnBias, j, relu);
            }
        }
    }
}
