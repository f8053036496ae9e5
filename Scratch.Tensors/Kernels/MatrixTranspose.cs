using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Scratch.Tensors.Kernels;

/// <summary>A row-major matrix transposed 8 rows at a time by <see cref="GemmBlocked.Transpose8Rows"/>'s in-register transposes.</summary>
internal static unsafe class MatrixTranspose
{
    /// <summary>
    /// <c>destination (cols, rows) = source (rows, cols)ᵀ</c>, both row-major: 8 rows at a time where AVX is present, the
    /// rows past the last multiple of 8 (all of them without AVX) one float at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Transpose(ReadOnlySpan<float> source, int rows, int cols, Span<float> destination)
    {
        long size = (long)rows * cols;
        if (rows < 0 || cols < 0 || source.Length < size || destination.Length < size)
            throw new ArgumentException($"MatrixTranspose.Transpose: ({rows}, {cols}) needs spans of at least {size} floats, not {source.Length} and {destination.Length}.", nameof(source));
        fixed (float* s = source, d = destination)
        {
            int r = 0;
            if (Avx.IsSupported)
                for (; r <= rows - 8; r += 8)
                    GemmBlocked.Transpose8Rows(s + (nint)r * cols, cols, cols, d + r, rows);
            for (; r < rows; r++)
                for (int j = 0; j < cols; j++)
                    d[(nint)j * rows + r] = s[(nint)r * cols + j];
        }
    }
}
