using System.Runtime.Intrinsics;

namespace Scratch.Tensors.Kernels;

/// <summary>An edge tile of <see cref="GemmBlocked"/> (fewer than MR rows or NR columns of C left) through a small buffer.</summary>
/// <remarks>
/// The micro-kernel computes the full (MR, NR) tile from the zero-padded slivers into an aligned buffer on the
/// stack, and only the valid (mr, nr) part is added to or written into C, with the epilogue. Tiles whose
/// micro-kernel can store a partial tile itself (masked stores) do not need it.
/// </remarks>
internal static unsafe class GemmEdgeTile
{
    /// <summary>The (mr, nr) corner of <typeparamref name="TKernel"/>'s tile, stored through a buffer.</summary>
    /// <remarks>Arguments as in <see cref="IGemmMicroKernel.RunPartial"/>.</remarks>
    public static void ViaBuffer<TKernel>(int kc, float* a, float* b, float* c, nint ldc, int mr, int nr, bool overwrite,
        float* rowBias, float* columnBias, bool relu)
        where TKernel : struct, IGemmMicroKernel
    {
        float* buffer = stackalloc float[TKernel.MR * TKernel.NR + GemmBlocked.AlignFloats];
        float* tile = GemmBlocked.Align(buffer);
        TKernel.Run(kc, a, b, tile, TKernel.NR, overwrite: true, null, null, relu: false);
        for (int r = 0; r < mr; r++)
            WriteBack(tile + r * TKernel.NR, c + r * ldc, nr, overwrite, rowBias == null ? null : rowBias + r, columnBias, relu);
    }

    /// <summary><c>dst[j] = relu?(src[j] (+ dst[j]) + (columnBias[j] + *rowBias))</c> for j &lt; <paramref name="n"/>: the valid part of one row of an edge tile.</summary>
    /// <remarks>The same arithmetic as the micro-kernels' store; a null bias is none.</remarks>
    private static void WriteBack(float* src, float* dst, int n, bool overwrite, float* rowBias, float* columnBias, bool relu)
    {
        int j = 0;
        if (rowBias != null || columnBias != null || relu)
        {
            float rb = rowBias == null ? 0f : *rowBias;
            for (; j < n; j++)
            {
                float x = (overwrite ? src[j] : src[j] + dst[j]) + ((columnBias == null ? 0f : columnBias[j]) + rb);
                dst[j] = relu ? MathF.Max(x, 0f) : x;
            }
            return;
        }
        for (; j <= n - Vector128<float>.Count; j += Vector128<float>.Count)
        {
            Vector128<float> v = Vector128.Load(src + j);
            (overwrite ? v : v + Vector128.Load(dst + j)).Store(dst + j);
        }
        for (; j < n; j++)
            dst[j] = overwrite ? src[j] : dst[j] + src[j];
    }
}
