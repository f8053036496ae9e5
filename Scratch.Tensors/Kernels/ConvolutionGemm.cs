using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Scratch.Tensors.Kernels;

/// <summary>
/// A convolution as GEMMs over chunks of whole images, each chunk's column matrix built in a per-thread scratch that
/// stays in cache (an implicit GEMM at the granularity of a few images): forward
/// <c>y_chunk = relu?(W_col·Unfold(x_chunk) + b)</c>; backward <c>dW = Σ_chunk dout_chunk·Unfold(x_chunk)ᵀ</c> (the column
/// matrix rebuilt from x rather than kept, each chunk's product formed as <c>dWᵀ = cols·doutᵀ</c> (K, FN), whose long side suits
/// the register tile), <c>db = Σ dout</c> and <c>dx_chunk = Fold(W_colᵀ·dout_chunk)</c>.
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
        ParallelRange.ForEachClaimed(Chunks(g), new ForwardBody(x, w, bias, y, g, relu), (long)g.K * g.Columns * bias.Length);

    /// <summary>Floats of the workspace <see cref="Backward"/> needs: per chunk its dWᵀ (K, FN) and db (FN), added in chunk order.</summary>
    public static int PartialsLength(ConvShape g, int fn) => Chunks(g) * fn * (g.K + 1);

    /// <summary>
    /// dW (FN, K) and db (FN) for dout, and dx (N, C, H, W) unless <paramref name="dx"/> is empty; <paramref name="partials"/>
    /// holds at least <see cref="PartialsLength"/> floats.
    /// </summary>
    public static void Backward(ReadOnlyMemory<float> x, ReadOnlyMemory<float> w, ReadOnlyMemory<float> dout,
        Span<float> dW, Span<float> db, Memory<float> dx, Memory<float> partials, ConvShape g)
    {
        int fn = db.Length, chunks = Chunks(g), block = fn * (g.K + 1);
        ParallelRange.ForEachClaimed(chunks, new BackwardBody(x, w, dout, dx, partials, g, fn), 3L * g.K * g.Columns * fn);
        Span<float> p = partials.Span, dWT = p.Slice(0, fn * g.K);
        p.Slice(fn * g.K, fn).CopyTo(db);
        for (int chunk = 1; chunk < chunks; chunk++)
        {
            TensorPrimitives.Add(dWT, p.Slice(chunk * block, fn * g.K), dWT);               // dWᵀ = Σ_chunk, in order, into chunk 0's block
            TensorPrimitives.Add(db, p.Slice(chunk * block + fn * g.K, fn), db);
        }
        for (int k = 0; k < g.K; k++)                                                       // dW = (dWᵀ)ᵀ
            for (int f = 0; f < fn; f++)
                dW[f * g.K + k] = dWT[k * fn + f];
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

    /// <summary>Pixels per map from which each image of a chunk gets its own product (below, W_col packed once per image costs more than the scatter saves).</summary>
    private const int ProductPerImageMinPixels = 256;

    /// <summary>
    /// One chunk's <c>y = relu?(W_col·Unfold(x) + b)</c>, x and y holding just the chunk's images: image i's columns of cols
    /// (K, n·P) times W_col are its (FN, OH, OW) maps, so for large maps each image's product is stored straight into y
    /// with the bias; small maps go through one product for the chunk and <see cref="ConvolutionLayout.Scatter"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Convolve(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y, ConvShape c, bool relu)
    {
        int fn = bias.Length;
        Span<float> cols = Scratch(ref t_cols, c.K * c.Columns);
        ConvolutionLayout.Unfold(x, cols, c, 0, c.N);                                                          // (K, n·P)
        if (c.N == 1 || c.P >= ProductPerImageMinPixels)
        {
            for (int image = 0; image < c.N; image++)                                                          // relu?(W_col·cols_i + b), (FN, P)
                Gemm.Multiply(fn, c.P, c.K, w, c.K, 1, cols[(image * c.P)..], c.Columns, 1, y.Slice(image * fn * c.P, fn * c.P), c.P, rowBias: bias, relu: relu);
            return;
        }
        Span<float> maps = Scratch(ref t_maps, fn * c.Columns);
        Gemm.Multiply(fn, c.Columns, c.K, w, c.K, 1, cols, c.Columns, 1, maps, c.Columns);                    // W_col·cols, (FN, n·P)
        ConvolutionLayout.Scatter(maps, y, bias, relu, c.N, c.P, 0, c.N);                                       // + b → (n, FN, P)
    }

    private readonly struct ForwardBody(ReadOnlyMemory<float> x, ReadOnlyMemory<float> w, ReadOnlyMemory<float> bias, Memory<float> y, ConvShape g, bool relu) : IRangeBody
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int from, int to)
        {
            int fn = bias.Length, inImage = g.C * g.H * g.W, outImage = fn * g.P;
            for (int chunk = from; chunk < to; chunk++)
            {
                ConvShape c = Chunk(g, chunk, out int first);
                Convolve(x.Span.Slice(first * inImage, c.N * inImage), w.Span, bias.Span, y.Span.Slice(first * outImage, c.N * outImage), c, relu);
            }
        }
    }

    private readonly struct BackwardBody(ReadOnlyMemory<float> x, ReadOnlyMemory<float> w, ReadOnlyMemory<float> dout,
        Memory<float> dx, Memory<float> partials, ConvShape g, int fn) : IRangeBody
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int from, int to)
        {
            int inImage = g.C * g.H * g.W, outImage = fn * g.P, block = fn * (g.K + 1);
            for (int chunk = from; chunk < to; chunk++)
            {
                ConvShape c = Chunk(g, chunk, out int first);
                Span<float> cols = Scratch(ref t_cols, c.K * c.Columns);
                ReadOnlySpan<float> doutChunk = dout.Span.Slice(first * outImage, c.N * outImage), doutT = doutChunk;
                Span<float> dWT = partials.Span.Slice(chunk * block, fn * c.K), db = partials.Span.Slice(chunk * block + fn * c.K, fn);
                ConvolutionLayout.Unfold(x.Span.Slice(first * inImage, c.N * inImage), cols, c, 0, c.N);                     // cols again, (K, n·P)
                if (c.N > 1)
                {
                    Span<float> gathered = Scratch(ref t_maps, fn * c.Columns);
                    ConvolutionLayout.Gather(doutChunk, gathered, c.N, fn, c.P, 0, c.N);                                     // dout as (FN, n·P)
                    doutT = gathered;
                }
                Bias.SumEachRow(doutT, fn, c.Columns, db);                                                                   // db_chunk = Σ dout
                Gemm.Multiply(c.K, fn, c.Columns, cols, c.Columns, 1, doutT, 1, c.Columns, dWT, fn);                         // dWᵀ_chunk = cols·doutᵀ, (K, FN)
                if (dx.IsEmpty) continue;
                Span<float> dxChunk = dx.Span.Slice(first * inImage, c.N * inImage);
                Span<float> dcols = Scratch(ref t_dcols, c.K * c.Columns);
                Gemm.Multiply(c.K, c.Columns, fn, w.Span, 1, c.K, doutT, c.Columns, 1, dcols, c.Columns);                    // dcols = W_colᵀ·dout, (K, n·P)
                ConvolutionLayout.Fold(dcols, dxChunk, c, 0, c.N);                                                           // dx_chunk = Fold(dcols)
            }
        }
    }
}
