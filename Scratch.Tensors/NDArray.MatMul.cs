using Scratch.Tensors.Kernels;
using System.Numerics.Tensors;

namespace Scratch.Tensors;

public sealed partial class NDArray
{
    /// <summary>Matrix product with NumPy's <c>matmul</c> rules, and a fused epilogue: <c>C[…, i, j] = relu?(Σ_p A[…, i, p]·B[…, p, j] (+ C[…, i, j]) + bias)</c>.</summary>
    /// <remarks>
    /// a: (…, M, K) or (K); b: (…, K, N) or (K); batch axes broadcast; a 1-D operand gets a length-1 axis
    /// that is removed from the result. Transposed and other strided views go to the kernel without a copy
    /// (only views with negative strides are copied first). <paramref name="kernel"/> defaults to <see cref="Gemm.Default"/>.
    /// <paramref name="accumulate"/> adds the product to <paramref name="into"/> (which must then be given) instead of
    /// overwriting it. <paramref name="bias"/> is (N), one per column, or (M, 1), one per row, and is added to every
    /// product of the batch; <paramref name="relu"/> clamps the result at 0. Bias and ReLU are applied as the kernel
    /// stores each element, so <c>relu(x·W + b)</c> is one pass over C.
    /// </remarks>
    /// <exception cref="ArgumentException">Shapes do not match, <paramref name="into"/> is missing for
    /// <paramref name="accumulate"/> or shares storage with an input, or <paramref name="bias"/> is neither (N) nor (M, 1).</exception>
    public static NDArray MatMul(NDArray a, NDArray b, NDArray? into = null, GemmKernel? kernel = null,
        bool accumulate = false, NDArray? bias = null, bool relu = false)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Rank == 0 || b.Rank == 0)
            throw new ArgumentException($"MatMul: operands must have at least one axis, got a {Shapes.Format(a._shape)} · b {Shapes.Format(b._shape)}.");
        NDArray a2 = a.Rank == 1 ? a.Unsqueeze(0) : a;     // (K) → (1, K)
        NDArray b2 = b.Rank == 1 ? b.Unsqueeze(1) : b;     // (K) → (K, 1)
        int m = a2._shape[^2], k = a2._shape[^1], n = b2._shape[^1];
        if (b2._shape[^2] != k)
            throw new ArgumentException($"MatMul: inner dimensions differ: a {Shapes.Format(a._shape)} · b {Shapes.Format(b._shape)}.");
        int[] batch = Shapes.Broadcast("MatMul", a2._shape[..^2], b2._shape[..^2]);

        int[] outShape = [.. batch, .. (a.Rank == 1 ? Array.Empty<int>() : [m]), .. (b.Rank == 1 ? Array.Empty<int>() : [n])];
        if (accumulate && into is null)
            throw new ArgumentException($"MatMul: accumulate adds the product to into, so into {Shapes.Format(outShape)} must be given.", nameof(into));
        NDArray result = into is null ? Uninitialized(outShape) : CheckInto("MatMul", into, outShape);
        if (into is not null && (Overlaps(into, a) || Overlaps(into, b)))
            throw new ArgumentException("MatMul: into shares storage with an operand; the product cannot be written in place.", nameof(into));
        bool rowBias = bias is not null && CheckBias(bias, a, b, m, n);
        if (bias is not null && into is not null && Overlaps(into, bias))
            throw new ArgumentException("MatMul: into shares storage with bias; the product cannot be written in place.", nameof(into));
        NDArray c = result.IsContiguous ? result : Uninitialized(outShape);   // the kernel writes rows with unit stride
        if (accumulate && !ReferenceEquals(c, result))
            c.CopyFrom(result);
        NDArray? biasValues = bias?.Contiguous();

        // A copy of an empty operand also starts inside its storage (an empty view's offset may lie past it).
        if (HasNegativeStride(a2) || a2.Size == 0) a2 = a2.Clone();
        if (HasNegativeStride(b2) || b2.Size == 0) b2 = b2.Clone();
        int[] aBatchStrides = Shapes.BroadcastStrides(a2._shape[..^2], a2._strides[..^2], batch);
        int[] bBatchStrides = Shapes.BroadcastStrides(b2._shape[..^2], b2._strides[..^2], batch);
        int[] cBatchStrides = Shapes.ContiguousStrides([.. batch, m * n])[..^1];   // c is contiguous
        GemmKernel chosen = kernel ?? Gemm.Default;
        float[] noBias = [];
        int batchCount = Shapes.Size(batch);
        void Product(int flat)
        {
            int aAt = a2.Offset, bAt = b2.Offset, cAt = c.Offset;
            for (int axis = batch.Length - 1, rest = flat; axis >= 0; rest /= batch[axis], axis--)
            {
                int i = rest % batch[axis];
                aAt += i * aBatchStrides[axis];
                bAt += i * bBatchStrides[axis];
                cAt += i * cBatchStrides[axis];
            }
            ReadOnlySpan<float> biasSpan = biasValues is null ? noBias : biasValues._storage.AsSpan(biasValues.Offset, biasValues.Size);
            Gemm.Multiply(chosen, m, n, k,
                a2._storage.AsSpan(aAt), RowStride(a2, m), a2._strides[^1],
                b2._storage.AsSpan(bAt), RowStride(b2, k), b2._strides[^1],
                c._storage.AsSpan(cAt), n, accumulate,
                rowBias ? biasSpan : noBias, rowBias ? noBias : biasSpan, relu);
        }
        // Many small products (a convolution's images) share the cores; a large one is split inside the kernel.
        // Each product writes its own block of C, so the result does not depend on the threads.
        long work = (long)m * n * k;
        if (batchCount > 1 && work < BatchParallelMaxWork && work * batchCount >= BatchParallelMinWork)
            Parallel.For(0, batchCount, Product);
        else
            for (int flat = 0; flat < batchCount; flat++) Product(flat);
        if (!ReferenceEquals(c, result)) result.CopyFrom(c);
        return result;
    }

    /// <summary>NumPy's <c>dot</c>: the inner product of two vectors, else the sum over the last axis of a and the second-to-last of b.</summary>
    /// <remarks>1-D·1-D → rank-0; 2-D operands → <see cref="MatMul"/>; N-D: result shape a[:-1] + b[:-2] + b[-1:].</remarks>
    public static NDArray Dot(NDArray a, NDArray b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Rank == 0 || b.Rank == 0)
            return a * b;
        if (a.Rank == 1 && b.Rank == 1)
        {
            if (a.Size != b.Size)
                throw new ArgumentException($"Dot: inner dimensions differ: a {Shapes.Format(a._shape)} · b {Shapes.Format(b._shape)}.");
            return Scalar(TensorPrimitives.Dot(a.Contiguous().ContiguousSpan, b.Contiguous().ContiguousSpan));
        }
        if (b.Rank <= 2)
            return MatMul(a, b);
        int k = a._shape[^1];
        if (b._shape[^2] != k)
            throw new ArgumentException($"Dot: inner dimensions differ: a {Shapes.Format(a._shape)} · b {Shapes.Format(b._shape)}.");
        // Move b's contracted axis to the front: (K, b[:-2]…, N) → (K, rest).
        int[] axes = [b.Rank - 2, .. Enumerable.Range(0, b.Rank - 2), b.Rank - 1];
        NDArray bMatrix = b.Transpose(axes).Reshape(k, -1);
        NDArray product = MatMul(a.Reshape(-1, k), bMatrix);
        return product.Reshape([.. a._shape[..^1], .. b._shape[..^2], b._shape[^1]]);
    }

    /// <summary>Batched products smaller than this (multiply-adds) run on parallel threads, one product per task.</summary>
    private const long BatchParallelMaxWork = 1L << 23;

    /// <summary>…when all of them together have at least this much work (multiply-adds).</summary>
    private const long BatchParallelMinWork = 1L << 20;

    /// <summary>Checks that a MatMul bias is (N) or (M, 1) and says which: true for one bias per row.</summary>
    private static bool CheckBias(NDArray bias, NDArray a, NDArray b, int m, int n)
    {
        if (bias.Rank == 1 && bias._shape[0] == n)
            return false;
        if (bias.Rank == 2 && bias._shape[0] == m && bias._shape[1] == 1)
            return true;
        throw new ArgumentException(
            $"MatMul: bias must be (N) = ({n},) or (M, 1) = ({m}, 1) for a {Shapes.Format(a._shape)} · b {Shapes.Format(b._shape)}, got {Shapes.Format(bias._shape)}.",
            nameof(bias));
    }

    /// <summary>Row stride of a matrix view; a length-1 axis has stride 0, which the kernel reads as any stride.</summary>
    private static int RowStride(NDArray x, int rows) => rows == 1 ? 0 : x._strides[^2];

    private static bool HasNegativeStride(NDArray x) => x._strides.Any(s => s < 0);

    private static bool Overlaps(NDArray x, NDArray y) => ReferenceEquals(x._storage, y._storage);
}
