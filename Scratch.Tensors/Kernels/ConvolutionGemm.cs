using System.Numerics.Tensors;

namespace Scratch.Tensors.Kernels;

/// <summary>
/// A convolution as GEMMs over chunks of whole images, each chunk's column matrix built in a per-thread scratch that
/// stays in cache (an implicit GEMM at the granularity of a few images): forward
/// <c>y_chunk = relu?(W_col·Unfold(x_chunk) + b)</c>; backward <c>dW = Σ_chunk dout_chunk·Unfold(x_chunk)ᵀ</c> (the column
/// matrix rebuilt from x rather than kept), <c>db = Σ dout</c> and <c>dx_chunk = Fold(W_colᵀ·dout_chunk)</c>.
/// </summary>
/// <remarks>
/// Chunks depend only on the shapes and each is computed by one thread; the per-chunk partial dW and db are added in
/// chunk order, so results are the same for any thread count. W_col is W as (FN, K), K = C·FH·FW; x (N, C, H, W),
/// y and dout (N, FN, OH, OW), all contiguous. Per-thread scratch is kept, so a warm call allocates nothing.
/// </remarks>
public static class ConvolutionGemm
{
    /// <summary>Floats of column matrix per chunk (256 KB): a chunk holds as many whole images as fit, at least one.</summary>
    public const int ChunkFloats = 1 << 16;

    /// <summary>Images per chunk for this geometry.</summary>
    public static int ImagesPerChunk(ConvShape g) => Math.Clamp(ChunkFloats / Math.Max(1, g.K * g.P), 1, Math.Max(1, g.N));

    /// <summary>Chunks for this geometry.</summary>
    public static int Chunks(ConvShape g) => (g.N + ImagesPerChunk(g) - 1) / ImagesPerChunk(g);

    /// <summary><c>y = relu?(W_col·Unfold(x) + b)</c> in (N, FN, OH, OW).</summary>
    public static void Forward(ReadOnlyMemory<float> x, ReadOnlyMemory<float> w, ReadOnlyMemory<float> bias, Memory<float> y, ConvShape g, bool relu) =>
        ParallelRange.For(Chunks(g), new ForwardBody(x, w, bias, y, g, relu), (long)g.K * g.Columns * bias.Length);

    /// <summary>
    /// dW (FN, K) and db (FN) for dout, and dx (N, C, H, W) unless <paramref name="dx"/> is empty; <paramref name="partials"/>
    /// holds at least <see cref="Chunks"/>·FN·(K + 1) floats.
    /// </summary>
    public static void Backward(ReadOnlyMemory<float> x, ReadOnlyMemory<float> w, ReadOnlyMemory<float> dout,
        Span<float> dW, Span<float> db, Memory<float> dx, Memory<float> partials, ConvShape g)
    {
        int fn = db.Length, chunks = Chunks(g), block = fn * (g.K + 1);
        ParallelRange.For(chunks, new BackwardBody(x, w, dout, dx, partials, g, fn), 3L * g.K * g.Columns * fn);
        ReadOnlySpan<float> p = partials.Span;
        p.Slice(0, fn * g.K).CopyTo(dW);
        p.Slice(fn * g.K, fn).CopyTo(db);
        for (int chunk = 1; chunk < chunks; chunk++)
        {
            TensorPrimitives.Add(dW, p.Slice(chunk * block, fn * g.K), dW);                 // dW = Σ_chunk, in order
            TensorPrimitives.Add(db, p.Slice(chunk * block + fn * g.K, fn), db);
        }
    }

    [ThreadStatic]
    private static float[]? t_cols, t_maps, t_dcols;

    private static Span<float> Scratch(ref float[]? buffer, int length)
    {
        if (buffer is null || buffer.Length < length) buffer = new float[length];
        return buffer.AsSpan(0, length);
    }

    /// <summary>The geometry of images [first, first + count).</summary>
    private static ConvShape Chunk(ConvShape g, int chunk, out int first)
    {
        int per = ImagesPerChunk(g);
        first = chunk * per;
        return g with { N = Math.Min(per, g.N - first) };
    }

    private readonly struct ForwardBody(ReadOnlyMemory<float> x, ReadOnlyMemory<float> w, ReadOnlyMemory<float> bias, Memory<float> y, ConvShape g, bool relu) : IRangeBody
    {
        public void Run(int from, int to)
        {
            int fn = bias.Length, inImage = g.C * g.H * g.W, outImage = fn * g.P;
            for (int chunk = from; chunk < to; chunk++)
            {
                ConvShape c = Chunk(g, chunk, out int first);
                Span<float> cols = Scratch(ref t_cols, c.K * c.Columns), maps = Scratch(ref t_maps, fn * c.Columns);
                ConvolutionLayout.Unfold(x.Span.Slice(first * inImage, c.N * inImage), cols, c, 0, c.N);                     // (K, n·P)
                Gemm.Multiply(fn, c.Columns, c.K, w.Span, c.K, 1, cols, c.Columns, 1, maps, c.Columns);                      // W_col·cols, (FN, n·P)
                ConvolutionLayout.Scatter(maps, y.Span.Slice(first * outImage, c.N * outImage), bias.Span, relu, c.N, c.P, 0, c.N);   // + b → (n, FN, P)
            }
        }
    }

    private readonly struct BackwardBody(ReadOnlyMemory<float> x, ReadOnlyMemory<float> w, ReadOnlyMemory<float> dout, Memory<float> dx,
        Memory<float> partials, ConvShape g, int fn) : IRangeBody
    {
        public void Run(int from, int to)
        {
            int inImage = g.C * g.H * g.W, outImage = fn * g.P, block = fn * (g.K + 1);
            for (int chunk = from; chunk < to; chunk++)
            {
                ConvShape c = Chunk(g, chunk, out int first);
                Span<float> cols = Scratch(ref t_cols, c.K * c.Columns), doutT = Scratch(ref t_maps, fn * c.Columns);
                Span<float> dW = partials.Span.Slice(chunk * block, fn * c.K), db = partials.Span.Slice(chunk * block + fn * c.K, fn);
                ConvolutionLayout.Unfold(x.Span.Slice(first * inImage, c.N * inImage), cols, c, 0, c.N);                     // cols again, (K, n·P)
                ConvolutionLayout.Gather(dout.Span.Slice(first * outImage, c.N * outImage), doutT, c.N, fn, c.P, 0, c.N);   // dout as (FN, n·P)
                Bias.SumEachRow(doutT, fn, c.Columns, db);                                                                   // db_chunk = Σ dout
                Gemm.Multiply(fn, c.K, c.Columns, doutT, c.Columns, 1, cols, 1, c.Columns, dW, c.K);                         // dW_chunk = dout·colsᵀ
                if (dx.IsEmpty) continue;
                Span<float> dcols = Scratch(ref t_dcols, c.K * c.Columns);
                Gemm.Multiply(c.K, c.Columns, fn, w.Span, 1, c.K, doutT, c.Columns, 1, dcols, c.Columns);                    // dcols = W_colᵀ·dout, (K, n·P)
                ConvolutionLayout.Fold(dcols, dx.Span.Slice(first * inImage, c.N * inImage), c, 0, c.N);                     // dx_chunk = Fold(dcols)
            }
        }
    }
}
