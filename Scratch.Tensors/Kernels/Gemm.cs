namespace Scratch.Tensors.Kernels;
public enum GemmKernel { Auto, Naive, Vectorized, Blocked }
public static class Gemm
{
    public static GemmKernel Default { get; set; } = GemmKernel.Auto;
    public static void Multiply(GemmKernel kernel, int m, int n, int k, ReadOnlySpan<float> a, int aRowStride, int aColStride, ReadOnlySpan<float> b, int bRowStride, int bColStride, Span<float> c, int cRowStride, bool accumulate = false)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                float s = accumulate ? c[i * cRowStride + j] : 0;
                for (int p = 0; p < k; p++) s += a[i * aRowStride + p * aColStride] * b[p * bRowStride + j * bColStride];
                c[i * cRowStride + j] = s;
            }
    }
}
