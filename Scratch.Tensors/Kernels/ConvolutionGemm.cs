using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Scratch.Tensors.Kernels;

/// <summary>
/// A convolution as GEMMs over chunks of whole images, each chunk's column matrix built in a per-thread scratch that
/// stays in cache (an implicit GEMM at the granularity of a few images): forward
/// <c>y_chunk = relu?(W_col·Unfold(x_chunk) + b)</c>; backward <c>dW = Σ_chunk dout_chunk·Unfold(x_chunk)ᵀ</c> (the column
/// matrix rebuilt from x rather than kept, each chunk's product formed as <c>dWᵀ = cols·doutᵀ</c> (K, FN), whose long side suits
/// the register tile, or for filters of few taps as <see cref="ConvolutionWeightGradient"/>'s dot products), <c>db = Σ dout</c>
/// and <c>dx_chunk = Fold(W_colᵀ·dout_chunk)</c>.
/// </summary>
/// <remarks>
/// Chunks depend only on the shapes and each is computed by one thread; dW and db are summed per group of chunks
/// (<see cref="PartialGroups"/>), chunk after chunk, and the groups added in order, so results are the same for any thread count. W_col is W as (FN, K), K = C·FH·FW; x (N, C, H, W),
/// y and dout (N, FN, OH, OW), all contiguous. Per-thread scratch is kept, so a warm call allocates nothing.
/// </remarks>
public static class ConvolutionGemm
{
    /// <summary>Floats of column matrix per chunk (256 KB): a chunk holds as many whole images as fit, at least one.</summary>
    public const int ChunkFloats = 1 << 16;

    /// <summary>
    /// Columns (pixels of its images) a chunk has at least, whatever its column matrix's size: each chunk's products pack
    /// all of W_col (FN, K), or add into all of dWᵀ, for that many columns of work, two slivers of the widest register tile.
    /// </summary>
    /// <remarks>
    /// It matters only where K exceeds 1024 (below, <see cref="ChunkFloats"/> gives more columns): large filters over small
    /// maps, such as 64 → 256 filters of 7×7 with stride 2 on 8×8 (16 pixels, one image per chunk before). Measured on the
    /// 2-core Intel Xeon (family 6, model 207), batch 32, forward and backward against the book's im2col code in the
    /// same process: 1.46× its time before, 1.19× with at least 64 columns; 64 filters 0.99× before, 0.83× after.
    /// </remarks>
    public const int MinChunkColumns = 64;

    /// <summary>Images per chunk for this geometry: as many as <see cref="ChunkFloats"/> holds, and at least <see cref="MinChunkColumns"/> columns' worth.</summary>
    public static int ImagesPerChunk(ConvShape g) =>
        Math.Clamp(Math.Max(ChunkFloats / Math.Max(1, g.K * g.P), (MinChunkColumns + g.P - 1) / Math.Max(1, g.P)), 1, Math.Max(1, g.N));

    /// <summary>Chunks for this geometry.</summary>
    public static int Chunks(ConvShape g) => (g.N + ImagesPerChunk(g) - 1) / ImagesPerChunk(g);

    /// <summary><c>y = relu?(W_col·Unfold(x) + b)</c> in (N, FN, OH, OW).</summary>
    public static void Forward(ReadOnlyMemory<float> x, ReadOnlyMemory<float> w, ReadOnlyMemory<float> bias, Memory<float> y, ConvShape g, bool relu) =>
        ParallelRange.ForEachClaimed(Chunks(g), new ForwardBody(x, w, FiltersByTap(w, g, bias.Length), bias, y, g, relu), (long)g.K * g.Columns * bias.Length);

    /// <summary>W_col (FN, K) transposed to (K, FN) where the forward pass goes pixel by pixel (<see cref="ConvolutionByPixel"/>), else empty.</summary>
    private static ReadOnlyMemory<float> FiltersByTap(ReadOnlyMemory<float> w, ConvShape g, int fn)
    {
        if (!UseDirect || !UseByPixel || ConvolutionDirect.Supports(g, fn) || !ConvolutionByPixel.Supports(g, fn))
            return default;
        Memory<float> byTap = ScratchMemory(ref t_filtersByTap, g.K * fn);
        MatrixTranspose.Transpose(w.Span, fn, g.K, byTap.Span);
        return byTap;
    }

    /// <summary>
    /// <c>pooled = MaxPool(relu(W_col·Unfold(x) + b))</c> in (N, FN, POH, POW), with each max's flat index in the
    /// convolution's output (N, FN, OH, OW) in <paramref name="argMax"/>: a chunk's output is pooled while it is still
    /// in cache and never written out.
    /// </summary>
    /// <remarks>
    /// <paramref name="pool"/> describes the windows over the convolution's output (N = g.N, C = FN, H = OH, W = OW)
    /// and must have no padding. The results are those of the three layers run one after the other.
    /// </remarks>
    public static void ForwardReluMaxPool(ReadOnlyMemory<float> x, ReadOnlyMemory<float> w, ReadOnlyMemory<float> bias, ConvShape g,
        PoolShape pool, Memory<float> pooled, Memory<int> argMax)
    {
        CheckPooling(g, bias.Length, pool);
        ParallelRange.ForEachClaimed(Chunks(g), new ForwardPooledBody(x, w, FiltersByTap(w, g, bias.Length), bias, g, pool, pooled, argMax), (long)g.K * g.Columns * bias.Length);
    }

    /// <summary>The backward pass of <see cref="ForwardReluMaxPool"/>: <see cref="Backward"/> with dout rebuilt chunk by chunk from the pooled gradient.</summary>
    /// <remarks>
    /// dout = MaxPool.Backward(dPooled · (pooled &gt; 0)) is formed one chunk at a time in cache (the ReLU's mask taken on
    /// the pooled output, where each max sits at its argmax). Arguments otherwise as in <see cref="Backward"/>.
    /// </remarks>
    public static void BackwardReluMaxPool(ReadOnlyMemory<float> x, ReadOnlyMemory<float> w, ReadOnlyMemory<float> dPooled,
        ReadOnlyMemory<float> pooled, ReadOnlyMemory<int> argMax, PoolShape pool,
        Span<float> dW, Span<float> db, Memory<float> dx, Memory<float> partials, ConvShape g, bool inputFromRelu = false)
    {
        CheckPooling(g, db.Length, pool);
        Backward(x, w, new Unpooling(dPooled, pooled, argMax, pool), dW, db, dx, partials, g, inputFromRelu);
    }

    private static void CheckPooling(ConvShape g, int fn, PoolShape pool)
    {
        if (pool.N != g.N || pool.C != fn || pool.H != g.OH || pool.W != g.OW || pool.Pad != 0)
            throw new ArgumentException($"ConvolutionGemm: pooling {pool} does not fit a convolution output ({g.N}, {fn}, {g.OH}, {g.OW}) or is padded.", nameof(pool));
    }

    /// <summary>
    /// Groups of chunks whose dWᵀ and db are summed apart, each by one thread in chunk order, then added in group order:
    /// one per chunk unless the partial sums would pass 1 MiB (large filters over small maps, e.g. DeepConvNet's
    /// 64 × 576 dW for a chunk of two 7×7 images: 50 partials added up took 3 % of its training step), then fewer, but
    /// at least 8, so that threads still share the work.
    /// </summary>
    /// <remarks>Depends only on the shapes, so the sums are the same for any number of threads.</remarks>
    public static int PartialGroups(ConvShape g, int fn) => Math.Min(Chunks(g), Math.Max(MinPartialGroups, PartialsBudgetFloats / (fn * (g.K + 1))));

    private const int PartialsBudgetFloats = 1 << 18;
    private const int MinPartialGroups = 8;

    /// <summary>Floats of the workspace <see cref="Backward"/> needs: per group of chunks its dWᵀ (K, FN) and db (FN).</summary>
    public static int PartialsLength(ConvShape g, int fn) => PartialGroups(g, fn) * fn * (g.K + 1);

    /// <summary>
    /// dW (FN, K) and db (FN) for dout, and dx (N, C, H, W) unless <paramref name="dx"/> is empty; <paramref name="partials"/>
    /// holds at least <see cref="PartialsLength"/> floats.
    /// </summary>
    /// <remarks>
    /// With <paramref name="inputFromRelu"/>, x is the output of a ReLU and dx goes on through its backward pass too:
    /// <c>dx · (x &gt; 0)</c>, applied to each chunk while it is in cache instead of in a pass of its own.
    /// </remarks>
    public static void Backward(ReadOnlyMemory<float> x, ReadOnlyMemory<float> w, ReadOnlyMemory<float> dout,
        Span<float> dW, Span<float> db, Memory<float> dx, Memory<float> partials, ConvShape g, bool inputFromRelu = false)
        => Backward(x, w, new GivenDout(dout, db.Length * g.P), dW, db, dx, partials, g, inputFromRelu);

    private static void Backward<TDout>(ReadOnlyMemory<float> x, ReadOnlyMemory<float> w, TDout dout,
        Span<float> dW, Span<float> db, Memory<float> dx, Memory<float> partials, ConvShape g, bool inputFromRelu) where TDout : struct, IChunkDout
    {
        int fn = db.Length, groups = PartialGroups(g, fn), block = fn * (g.K + 1);
        ReadOnlyMemory<float> rotated = default;                                            // the filters of dx as a convolution, if it is one
        bool byPixel = !dx.IsEmpty && UseDirect && UseDxByPixel && ConvolutionByPixel.SupportsGradient(g, fn);
        if (byPixel)
        {
            Memory<float> filters = ScratchMemory(ref t_rotated, g.C * fn * g.FH * g.FW);
            ConvolutionByPixel.RotatedFiltersByTap(w.Span, filters.Span, g, fn);                    // (FN·FH·FW, C)
            rotated = filters;
        }
        else if (!dx.IsEmpty && UseDirect && ConvolutionDirect.SupportsGradient(g, fn))
        {
            Memory<float> filters = ScratchMemory(ref t_rotated, g.C * fn * g.FH * g.FW);
            ConvolutionDirect.RotateFilters(w.Span, filters.Span, g, fn);
            rotated = filters;
        }
        ParallelRange.ForEachClaimed(groups, new BackwardBody<TDout>(x, w, rotated, byPixel, dout, dx, partials, g, fn, groups, inputFromRelu), 3L * g.K * g.Columns * fn);
        Span<float> p = partials.Span, dWT = p.Slice(0, fn * g.K);
        p.Slice(fn * g.K, fn).CopyTo(db);
        for (int group = 1; group < groups; group++)
        {
            TensorPrimitives.Add(dWT, p.Slice(group * block, fn * g.K), dWT);               // dWᵀ = Σ_group, in order, into group 0's block
            TensorPrimitives.Add(db, p.Slice(group * block + fn * g.K, fn), db);
        }
        MatrixTranspose.Transpose(dWT, g.K, fn, dW);                                        // dW = (dWᵀ)ᵀ
    }

    [ThreadStatic]
    private static float[]? t_cols, t_maps, t_dcols, t_output, t_doutChunk, t_dPooled;

    [ThreadStatic]
    private static float[]? t_padded, t_grid, t_rotated, t_doutByPixel, t_outByPixel, t_filtersByTap;

    [ThreadStatic]
    private static int[]? t_argMax, t_offsets;

    /// <summary>
    /// <paramref name="length"/> elements of a per-thread buffer, starting on a 64-byte boundary: the buffer is pinned, so
    /// rows whose length is a multiple of 16 floats stay aligned to cache lines. Unaligned, every Vector512 load of
    /// <see cref="ConvolutionWeightGradient"/> spans two lines; aligned, it ran 1.6–1.9× as fast (one core, its shapes of
    /// SimpleConvNet and DeepConvNet in cache).
    /// </summary>
    private static unsafe Span<T> Scratch<T>(ref T[]? buffer, int length) where T : unmanaged
    {
        int slack = CacheLine / sizeof(T);
        if (buffer is null || buffer.Length < length + slack)
            buffer = GC.AllocateArray<T>(length + slack, pinned: true);
        long address = (long)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        return buffer.AsSpan((int)((CacheLine - (address & (CacheLine - 1))) & (CacheLine - 1)) / sizeof(T), length);
    }

    /// <summary>As <see cref="Scratch{T}"/>, as memory that a parallel loop's body can hold.</summary>
    private static unsafe Memory<float> ScratchMemory(ref float[]? buffer, int length)
    {
        Span<float> span = Scratch(ref buffer, length);
        long start = (long)Unsafe.AsPointer(ref MemoryMarshal.GetReference(span)) - (long)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer!));
        return buffer.AsMemory((int)(start / sizeof(float)), length);
    }

    private const int CacheLine = 64;

    /// <summary>The geometry of images [first, first + count).</summary>
    private static ConvShape Chunk(ConvShape g, int chunk, out int first)
    {
        int per = ImagesPerChunk(g);
        first = chunk * per;
        return g with { N = Math.Min(per, g.N - first) };
    }

    /// <summary>Pixels per map from which each image of a chunk gets its own product (below, W_col packed once per image costs more than the scatter saves).</summary>
    private const int ProductPerImageMinPixels = 256;

    /// <summary>Whether backward passes form dW as <see cref="ConvolutionWeightGradient"/>'s dot products where it supports the geometry, rather than as a GEMM (tests switch it off to compare).</summary>
    internal static bool UseWeightGradientDots { get; set; } = true;

    /// <summary>Whether forward products and dW's pack the column matrix straight from the image where <see cref="ImplicitColumns"/> supports the geometry, rather than unfold it (tests switch it off to compare).</summary>
    internal static bool UseImplicitColumns { get; set; } = true;

    /// <summary>Whether dW is formed by <see cref="ConvolutionWeightGradientDirect"/> where it supports the geometry (and <see cref="UseDirect"/>), rather than on the grid or as a GEMM (tests switch it off to compare).</summary>
    internal static bool UseDirectWeightGradient { get; set; } = true;

    /// <summary>Whether dx is formed by <see cref="ConvolutionByPixel"/> where it supports the geometry (and <see cref="UseDirect"/>), rather than on <see cref="ConvolutionDirect"/>'s grid or by GEMM and fold (tests switch it off to compare).</summary>
    internal static bool UseDxByPixel { get; set; } = true;

    /// <summary>Whether forward passes that <see cref="ConvolutionDirect"/> does not take go pixel by pixel (<see cref="ConvolutionByPixel"/>) where it supports the geometry (and <see cref="UseDirect"/>), rather than as a GEMM (tests switch it off to compare).</summary>
    internal static bool UseByPixel { get; set; } = true;

    /// <summary>Whether forward passes, dx and dW read the padded image in place (<see cref="ConvolutionDirect"/>) where it supports the geometry (tests switch it off to compare).</summary>
    internal static bool UseDirect { get; set; } = true;

    /// <summary>
    /// One chunk's <c>y = relu?(W_col·Unfold(x) + b)</c>, x and y holding just the chunk's images: image i's columns of cols
    /// (K, n·P) times W_col are its (FN, OH, OW) maps, so for large maps each image's product is stored straight into y
    /// with the bias; small maps go through one product for the chunk and <see cref="ConvolutionLayout.Scatter"/>. Where
    /// it can, the product packs cols from x as it goes (<see cref="ImplicitColumns"/>) and cols is never written. Given
    /// the filters by tap (<paramref name="wByTap"/>), each image is convolved pixel by pixel instead (<see cref="ConvolutionByPixel"/>);
    /// where <see cref="ConvolutionDirect"/> supports the geometry, on its grid.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Convolve(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> wByTap, ReadOnlySpan<float> bias, Span<float> y, ConvShape c, bool relu)
    {
        int fn = bias.Length, inImage = c.C * c.H * c.W;
        if (!wByTap.IsEmpty)
        {
            Span<float> padded = Scratch(ref t_padded, ConvolutionDirect.PaddedLength(c)), byPixel = Scratch(ref t_outByPixel, fn * c.P);
            Span<int> offsets = Scratch(ref t_offsets, c.K);
            ConvolutionDirect.Offsets(c, offsets);
            for (int image = 0; image < c.N; image++)
            {
                ConvolutionDirect.Pad(x.Slice(image * inImage, inImage), padded, c);
                ConvolutionByPixel.Convolve(padded, offsets, wByTap, fn, c, byPixel, bias, relu);                      // relu?(· + b), (P, FN)
                MatrixTranspose.Transpose(byPixel, c.P, fn, y.Slice(image * fn * c.P, fn * c.P));                       // (FN, P)
            }
            return;
        }
        if (UseDirect && ConvolutionDirect.Supports(c, fn))
        {
            Span<float> padded = Scratch(ref t_padded, ConvolutionDirect.PaddedLength(c));
            Span<int> offsets = Scratch(ref t_offsets, c.K);
            ConvolutionDirect.Offsets(c, offsets);
            for (int image = 0; image < c.N; image++)
                ConvolutionDirect.Forward(x.Slice(image * inImage, inImage), w, fn, bias, y.Slice(image * fn * c.P, fn * c.P), c, relu, padded, offsets);
            return;
        }
        bool perImage = c.N == 1 || c.P >= ProductPerImageMinPixels;
        Span<float> output = perImage ? y : Scratch(ref t_maps, fn * c.Columns);                                // the product: y itself, or (FN, n·P) maps
        if (UseImplicitColumns && ImplicitColumns.Supports(c))
        {
            if (perImage)
                for (int image = 0; image < c.N; image++)                                                      // relu?(W_col·cols_i + b), (FN, P)
                    GemmBlocked.MultiplyImplicitColumns(fn, w, c.K, 1, x.Slice(image * inImage, inImage), c with { N = 1 },
                        output.Slice(image * fn * c.P, fn * c.P), c.P, bias, relu);
            else
                GemmBlocked.MultiplyImplicitColumns(fn, w, c.K, 1, x, c, output, c.Columns, default, relu: false);   // W_col·cols, (FN, n·P)
        }
        else
        {
            Span<float> cols = Scratch(ref t_cols, c.K * c.Columns);
            ConvolutionLayout.Unfold(x, cols, c, 0, c.N);                                                      // (K, n·P)
            if (perImage)
                for (int image = 0; image < c.N; image++)
                    Gemm.Multiply(fn, c.P, c.K, w, c.K, 1, cols[(image * c.P)..], c.Columns, 1, output.Slice(image * fn * c.P, fn * c.P), c.P, rowBias: bias, relu: relu);
            else
                Gemm.Multiply(fn, c.Columns, c.K, w, c.K, 1, cols, c.Columns, 1, output, c.Columns);
        }
        if (!perImage)
            ConvolutionLayout.Scatter(output, y, bias, relu, c.N, c.P, 0, c.N);                                // + b → (n, FN, P)
    }

    private readonly struct ForwardBody(ReadOnlyMemory<float> x, ReadOnlyMemory<float> w, ReadOnlyMemory<float> wByTap, ReadOnlyMemory<float> bias, Memory<float> y, ConvShape g, bool relu) : IRangeBody
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int from, int to)
        {
            int fn = bias.Length, inImage = g.C * g.H * g.W, outImage = fn * g.P;
            for (int chunk = from; chunk < to; chunk++)
            {
                ConvShape c = Chunk(g, chunk, out int first);
                Convolve(x.Span.Slice(first * inImage, c.N * inImage), w.Span, wByTap.Span, bias.Span, y.Span.Slice(first * outImage, c.N * outImage), c, relu);
            }
        }
    }

    /// <summary>Each chunk's <c>relu(W_col·cols + b)</c> into a per-thread scratch, then max-pooled from there.</summary>
    private readonly struct ForwardPooledBody(ReadOnlyMemory<float> x, ReadOnlyMemory<float> w, ReadOnlyMemory<float> wByTap, ReadOnlyMemory<float> bias, ConvShape g,
        PoolShape pool, Memory<float> pooled, Memory<int> argMax) : IRangeBody
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int from, int to)
        {
            int fn = bias.Length, inImage = g.C * g.H * g.W, outImage = fn * g.P, pooledImage = fn * pool.OH * pool.OW;
            for (int chunk = from; chunk < to; chunk++)
            {
                ConvShape c = Chunk(g, chunk, out int first);
                Span<float> output = Scratch(ref t_output, c.N * outImage);
                Convolve(x.Span.Slice(first * inImage, c.N * inImage), w.Span, wByTap.Span, bias.Span, output, c, relu: true);
                Span<int> at = argMax.Span.Slice(first * pooledImage, c.N * pooledImage);
                Pooling.MaxForward(output, pooled.Span.Slice(first * pooledImage, c.N * pooledImage), at, pool with { N = c.N }, 0, c.N * fn);
                TensorPrimitives.Add(at, first * outImage, at);                                   // chunk-relative → flat index in the whole output
            }
        }
    }

    /// <summary>Where <see cref="BackwardBody{TDout}"/> gets a chunk's dout (n, FN, P) from.</summary>
    private interface IChunkDout
    {
        /// <summary>dout of images [first, first + n).</summary>
        ReadOnlySpan<float> Chunk(int first, int n);
    }

    /// <summary>dout given whole, (N, FN, P): a chunk is a slice of it.</summary>
    private readonly struct GivenDout(ReadOnlyMemory<float> dout, int outImage) : IChunkDout
    {
        public ReadOnlySpan<float> Chunk(int first, int n) => dout.Span.Slice(first * outImage, n * outImage);
    }

    /// <summary>dout rebuilt from the gradient of a ReLU then max pooling: <c>MaxPool.Backward(dPooled · (pooled &gt; 0))</c>, into a per-thread scratch.</summary>
    private readonly struct Unpooling(ReadOnlyMemory<float> dPooled, ReadOnlyMemory<float> pooled, ReadOnlyMemory<int> argMax, PoolShape pool) : IChunkDout
    {
        public ReadOnlySpan<float> Chunk(int first, int n)
        {
            int pooledImage = pool.C * pool.OH * pool.OW, outImage = pool.C * pool.H * pool.W;
            Span<float> masked = Scratch(ref t_dPooled, n * pooledImage);
            Relu.Backward(pooled.Span.Slice(first * pooledImage, n * pooledImage), dPooled.Span.Slice(first * pooledImage, n * pooledImage), masked);
            Span<int> at = Scratch(ref t_argMax, n * pooledImage);
            TensorPrimitives.Subtract(argMax.Span.Slice(first * pooledImage, n * pooledImage), first * outImage, at);   // flat → chunk-relative
            Span<float> dout = Scratch(ref t_doutChunk, n * outImage);
            Pooling.MaxBackward(masked, at, dout, pool with { N = n }, 0, n * pool.C);
            return dout;
        }
    }

    /// <summary>For each group of chunks in [from, to): its partial dWᵀ and db, summed chunk by chunk, and each chunk's dx.</summary>
    private readonly struct BackwardBody<TDout>(ReadOnlyMemory<float> x, ReadOnlyMemory<float> w, ReadOnlyMemory<float> rotated, bool rotatedByTap, TDout dout,
        Memory<float> dx, Memory<float> partials, ConvShape g, int fn, int groups, bool inputFromRelu) : IRangeBody where TDout : struct, IChunkDout
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int from, int to)
        {
            for (int group = from; group < to; group++)
            {
                int chunks = Chunks(g), block = fn * (g.K + 1);
                Span<float> dWT = partials.Span.Slice(group * block, fn * g.K), db = partials.Span.Slice(group * block + fn * g.K, fn);
                int firstChunk = (int)((long)group * chunks / groups), endChunk = (int)((long)(group + 1) * chunks / groups);
                for (int chunk = firstChunk; chunk < endChunk; chunk++)
                    Chunk(chunk, dWT, db, accumulate: chunk > firstChunk);
            }
        }

        /// <summary>
        /// dWᵀ (+)= cols·doutᵀ, db (+)= Σ dout and dx = Fold(W_colᵀ·dout) (· (x &gt; 0) when x came from a ReLU) for one chunk of
        /// images; with <c>rotated</c> filters, dx is each image's dout convolved with them instead, pixel by pixel
        /// (<see cref="ConvolutionByPixel"/>, filters laid out by tap) or on <see cref="ConvolutionDirect"/>'s grid.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Chunk(int chunk, Span<float> dWT, Span<float> db, bool accumulate)
        {
            int inImage = g.C * g.H * g.W;
            ConvShape c = ConvolutionGemm.Chunk(g, chunk, out int first);
            ReadOnlySpan<float> doutChunk = dout.Chunk(first, c.N), doutT = doutChunk;
            bool inPlace = UseDirect && UseDirectWeightGradient && ConvolutionWeightGradientDirect.Supports(c, fn);
            bool onGrid = !inPlace && UseDirect && ConvolutionDirect.SupportsWeightGradient(c, fn);
            bool dots = !inPlace && !onGrid && UseWeightGradientDots && ConvolutionWeightGradient.Supports(c);
            bool dxByConvolution = !rotated.IsEmpty;
            if (c.N > 1 && ((!dots && !onGrid && !inPlace) || (!dx.IsEmpty && !dxByConvolution)))
            {
                Span<float> gathered = Scratch(ref t_maps, fn * c.Columns);
                ConvolutionLayout.Gather(doutChunk, gathered, c.N, fn, c.P, 0, c.N);                                     // dout as (FN, n·P)
                doutT = gathered;
            }
            if (inPlace)
            {
                // dWᵀ (+)= cols·doutᵀ with each tap's row of cols read in place from the padded images, dout by pixel.
                int paddedImage = ConvolutionDirect.PaddedLength(c with { N = 1 });
                Span<float> padded = Scratch(ref t_padded, c.N * paddedImage), doutByPixel = Scratch(ref t_doutByPixel, fn * c.Columns);
                Span<int> offsets = Scratch(ref t_offsets, c.K);
                ConvolutionDirect.Offsets(c, offsets);
                for (int image = 0; image < c.N; image++)
                    ConvolutionDirect.Pad(x.Span.Slice((first + image) * inImage, inImage), padded.Slice(image * paddedImage, paddedImage), c);
                Bias.SumEachMap(doutChunk, c.N, fn, c.P, db, accumulate);                                               // db (+)= Σ dout
                for (int image = 0; image < c.N; image++)                                                               // (n·P, FN)
                    MatrixTranspose.Transpose(doutChunk.Slice(image * fn * c.P, fn * c.P), fn, c.P, doutByPixel.Slice(image * fn * c.P, fn * c.P));
                ConvolutionWeightGradientDirect.Multiply(padded, paddedImage, offsets, doutByPixel, c, fn, dWT, accumulate);
            }
            else if (onGrid)
            {
                // dWᵀ (+)= Σ_image cols·doutᵀ with each tap's row of cols read in place from the padded image.
                Span<float> padded = Scratch(ref t_padded, ConvolutionDirect.PaddedLength(c)), grid = Scratch(ref t_grid, fn * ConvolutionDirect.GridLength(c));
                Span<int> offsets = Scratch(ref t_offsets, c.K);
                ConvolutionDirect.Offsets(c, offsets);
                Bias.SumEachMap(doutChunk, c.N, fn, c.P, db, accumulate);                                               // db (+)= Σ dout
                for (int image = 0; image < c.N; image++)
                {
                    ConvolutionDirect.Pad(x.Span.Slice((first + image) * inImage, inImage), padded, c);
                    ConvolutionDirect.ToGrid(doutChunk.Slice(image * fn * c.P, fn * c.P), grid, c, fn);
                    ConvolutionWeightGradient.MultiplyGrid(padded, offsets, grid, c.K, fn, ConvolutionDirect.GridLength(c), dWT, accumulate || image > 0);
                }
            }
            else if (dots)
            {
                Span<float> cols = Scratch(ref t_cols, c.K * c.Columns);
                ConvolutionLayout.Unfold(x.Span.Slice(first * inImage, c.N * inImage), cols, c, 0, c.N);                 // cols again, (K, n·P)
                Bias.SumEachMap(doutChunk, c.N, fn, c.P, db, accumulate);                                               // db (+)= Σ dout
                ConvolutionWeightGradient.Multiply(cols, doutChunk, c.K, fn, c.N, c.P, dWT, accumulate);                // dWᵀ (+)= cols·doutᵀ, (K, FN)
            }
            else if (UseImplicitColumns && ImplicitColumns.Supports(c))
            {
                Bias.SumEachRow(doutT, fn, c.Columns, db, accumulate);
                GemmBlocked.MultiplyImplicitRows(fn, x.Span.Slice(first * inImage, c.N * inImage), c, doutT, 1, c.Columns, dWT, fn, accumulate);   // dWᵀ (+)= cols·doutᵀ, cols packed from x
            }
            else
            {
                Span<float> cols = Scratch(ref t_cols, c.K * c.Columns);
                ConvolutionLayout.Unfold(x.Span.Slice(first * inImage, c.N * inImage), cols, c, 0, c.N);                 // cols again, (K, n·P)
                Bias.SumEachRow(doutT, fn, c.Columns, db, accumulate);
                Gemm.Multiply(c.K, fn, c.Columns, cols, c.Columns, 1, doutT, 1, c.Columns, dWT, fn, accumulate);
            }
            if (dx.IsEmpty) return;
            Span<float> dxChunk = dx.Span.Slice(first * inImage, c.N * inImage);
            if (rotatedByTap)
            {
                ConvShape t = ConvolutionDirect.GradientShape(c, fn);                                                  // dout (FN, OH, OW) → dx (C, H, W)
                Span<float> padded = Scratch(ref t_padded, ConvolutionDirect.PaddedLength(t)), byPixel = Scratch(ref t_outByPixel, inImage);
                Span<int> offsets = Scratch(ref t_offsets, t.K);
                ConvolutionDirect.Offsets(t, offsets);
                for (int image = 0; image < c.N; image++)
                {
                    ConvolutionDirect.Pad(doutChunk.Slice(image * fn * c.P, fn * c.P), padded, t);
                    ConvolutionByPixel.Convolve(padded, offsets, rotated.Span, c.C, t, byPixel);                       // (H·W, C)
                    MatrixTranspose.Transpose(byPixel, t.P, c.C, dxChunk.Slice(image * inImage, inImage));             // (C, H·W)
                }
            }
            else if (dxByConvolution)
            {
                ConvShape t = ConvolutionDirect.GradientShape(c, fn);                                                  // dout (FN, OH, OW) → dx (C, H, W)
                Span<float> padded = Scratch(ref t_padded, ConvolutionDirect.PaddedLength(t));
                Span<int> offsets = Scratch(ref t_offsets, t.K);
                ConvolutionDirect.Offsets(t, offsets);
                for (int image = 0; image < c.N; image++)
                    ConvolutionDirect.Forward(doutChunk.Slice(image * fn * c.P, fn * c.P), rotated.Span, c.C, default,
                        dxChunk.Slice(image * inImage, inImage), t, relu: false, padded, offsets);
            }
            else
            {
                Span<float> dcols = Scratch(ref t_dcols, c.K * c.Columns);
                Gemm.Multiply(c.K, c.Columns, fn, w.Span, 1, c.K, doutT, c.Columns, 1, dcols, c.Columns);                // dcols = W_colᵀ·dout, (K, n·P)
                ConvolutionLayout.Fold(dcols, dxChunk, c, 0, c.N);                                                       // dx_chunk = Fold(dcols)
            }
            if (inputFromRelu)
                Relu.Backward(x.Span.Slice(first * inImage, c.N * inImage), dxChunk, dxChunk);                           // · (x > 0)
        }
    }
}
