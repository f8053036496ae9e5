namespace Scratch.Tensors.Kernels;

/// <summary>Which implementation <see cref="Gemm.Multiply(GemmKernel, int, int, int, ReadOnlySpan{float}, int, int, ReadOnlySpan{float}, int, int, Span{float}, int, bool, ReadOnlySpan{float}, ReadOnlySpan{float}, bool)"/> runs.</summary>
public enum GemmKernel
{
    /// <summary>Let <see cref="Gemm.Choose"/> pick the fastest kernel for the shape.</summary>
    Auto,

    /// <summary>The plain (i, j, p) triple loop: the reference every other kernel is tested against.</summary>
    Naive,

    /// <summary>Rows of C built with <c>TensorPrimitives.MultiplyAdd</c>: <c>C[i, :] += A[i, p] · B[p, :]</c>.</summary>
    Vectorized,

    /// <summary>BLIS-style cache blocking with packed panels, a Vector512 (AVX-512) or Vector256 + FMA register tile, and both cores.</summary>
    Blocked,
}
