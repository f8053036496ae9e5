using Scratch.Tensors;

namespace Scratch.Data;

/// <summary>Mini-batches of rows of a dataset (x, t), drawn with a seeded <see cref="RandomState"/>.</summary>
/// <remarks>
/// <para>Two ways to draw, each reproducing its NumPy recipe call for call with the same seed:</para>
/// <list type="bullet">
/// <item><see cref="Epoch(bool)"/>: one pass over a fresh <c>np.random.permutation(N)</c> in batches
/// <c>perm[i·B : (i+1)·B]</c>: every row exactly once per epoch (the modern way).</item>
/// <item><see cref="Sample()"/>: the book's step, <c>batch_mask = np.random.choice(train_size, batch_size)</c>,
/// sampling rows with replacement.</item>
/// </list>
/// <para>
/// Batches are copies gathered along axis 0 (x may have any rank: (N, 784) or (N, 1, 28, 28)). The overloads
/// that take <c>xBatch</c> and <c>tBatch</c> gather into preallocated (B, …) arrays and allocate nothing per batch:
/// </para>
/// <code>
/// var batches = new MiniBatches(xTrain, tTrain, batchSize: 100, new RandomState(42));
/// var xb = NDArray.Zeros(100, 784); var tb = NDArray.Zeros(100);
/// for (int step = 0; step &lt; iters; step++)
/// {
///     batches.Sample(xb, tb);            // x_batch = x_train[batch_mask], t_batch = t_train[batch_mask]
///     …
/// }
/// </code>
/// </remarks>
public sealed class MiniBatches
{
    private readonly NDArray _x;          // (N, …), contiguous
    private readonly NDArray _t;          // (N, …), contiguous
    private readonly RandomState _random;
    private readonly int[] _order;        // this epoch's permutation of 0 … N − 1
    private readonly int[] _rows;         // the rows of the latest batch
    private int _rowCount;

    /// <summary>Batches of <paramref name="batchSize"/> rows of x (N, …) and t (N, …), shuffled by <paramref name="random"/>.</summary>
    /// <remarks>Non-contiguous x or t are copied once here so every batch is gathered from contiguous rows.
    /// The instance draws from <paramref name="random"/> as it goes and is not thread-safe.</remarks>
    public MiniBatches(NDArray x, NDArray t, int batchSize, RandomState random)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(t);
        ArgumentNullException.ThrowIfNull(random);
        if (x.Rank < 1 || t.Rank < 1 || x.Dim(0) != t.Dim(0))
            throw new ArgumentException($"MiniBatches: x {Shapes.Format(x.Shape)} and t {Shapes.Format(t.Shape)} must have the same number of rows.", nameof(t));
        if (batchSize < 1 || batchSize > x.Dim(0))
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize,
                $"MiniBatches: batch size must be in [1, N = {x.Dim(0)}] for x {Shapes.Format(x.Shape)}.");
        _x = x.Contiguous();
        _t = t.Contiguous();
        _random = random;
        BatchSize = batchSize;
        _order = new int[x.Dim(0)];
        _rows = new int[batchSize];
    }

    /// <summary>Number of rows N in the dataset.</summary>
    public int Count => _x.Dim(0);

    /// <summary>Rows per batch, B.</summary>
    public int BatchSize { get; }

    /// <summary>Batches in one <see cref="Epoch(bool)"/>: ⌈N / B⌉, or ⌊N / B⌋ when the last partial batch is dropped.</summary>
    public int BatchesPerEpoch(bool dropLast = false) => dropLast ? Count / BatchSize : (Count + BatchSize - 1) / BatchSize;

    /// <summary>The row indices of the batch produced last (NumPy's <c>batch_mask</c>), valid until the next batch.</summary>
    public ReadOnlySpan<int> LastRows => _rows.AsSpan(0, _rowCount);

    /// <summary>One epoch: a fresh permutation of the N rows, cut into batches of B in order; each batch is a new (x, t) pair.</summary>
    /// <remarks>The permutation is drawn when the enumeration starts, as <c>np.random.permutation(N)</c>.
    /// The last batch has N mod B rows unless <paramref name="dropLast"/>.</remarks>
    public IEnumerable<(NDArray X, NDArray T)> Epoch(bool dropLast = false)
    {
        Shuffle();
        int batches = BatchesPerEpoch(dropLast);
        for (int b = 0; b < batches; b++)
        {
            SetRows(b);
            yield return (_x.Take(LastRows), _t.Take(LastRows));
        }
    }

    /// <summary>One epoch gathered into <paramref name="xBatch"/> (B, …) and <paramref name="tBatch"/> (B, …); yields the batch number.</summary>
    /// <remarks>
    /// Allocation-free per batch. Only full batches fit the buffers, so the last N mod B rows of the
    /// permutation are skipped (as <c>dropLast</c>); the permutation is the same as <see cref="Epoch(bool)"/>'s.
    /// <code>foreach (int _ in batches.Epoch(xb, tb)) { /* train on xb, tb */ }</code>
    /// </remarks>
    public IEnumerable<int> Epoch(NDArray xBatch, NDArray tBatch)
    {
        CheckBatch("Epoch", xBatch, _x, nameof(xBatch));
        CheckBatch("Epoch", tBatch, _t, nameof(tBatch));
        return EpochInto(xBatch, tBatch);
    }

    private IEnumerable<int> EpochInto(NDArray xBatch, NDArray tBatch)
    {
        Shuffle();
        int batches = BatchesPerEpoch(dropLast: true);
        for (int b = 0; b < batches; b++)
        {
            SetRows(b);
            _x.Take(LastRows, xBatch);
            _t.Take(LastRows, tBatch);
            yield return b;
        }
    }

    /// <summary>The book's step: B rows drawn with replacement, <c>np.random.choice(N, B)</c>, as new arrays.</summary>
    public (NDArray X, NDArray T) Sample()
    {
        DrawWithReplacement();
        return (_x.Take(LastRows), _t.Take(LastRows));
    }

    /// <summary>The book's step gathered into <paramref name="xBatch"/> (B, …) and <paramref name="tBatch"/> (B, …), allocating nothing.</summary>
    public void Sample(NDArray xBatch, NDArray tBatch)
    {
        CheckBatch("Sample", xBatch, _x, nameof(xBatch));
        CheckBatch("Sample", tBatch, _t, nameof(tBatch));
        DrawWithReplacement();
        _x.Take(LastRows, xBatch);
        _t.Take(LastRows, tBatch);
    }

    // ---- drawing --------------------------------------------------------------------------------

    /// <summary><c>np.random.permutation(N)</c> into <see cref="_order"/>, without allocating.</summary>
    private void Shuffle()
    {
        for (int i = 0; i < _order.Length; i++)
            _order[i] = i;
        _random.Shuffle(_order.AsSpan());     // Permutation(n) is exactly arange(n) then Shuffle
    }

    private void SetRows(int batch)
    {
        int start = batch * BatchSize;
        _rowCount = Math.Min(BatchSize, _order.Length - start);
        _order.AsSpan(start, _rowCount).CopyTo(_rows);
    }

    /// <summary><c>np.random.choice(N, B)</c> into <see cref="_rows"/>: B draws of <c>randint(0, N)</c>, without allocating.</summary>
    private void DrawWithReplacement()
    {
        for (int i = 0; i < _rows.Length; i++)
            _rows[i] = _random.RandInt(0, Count);
        _rowCount = _rows.Length;
    }

    private void CheckBatch(string op, NDArray batch, NDArray data, string paramName)
    {
        ArgumentNullException.ThrowIfNull(batch, paramName);
        bool ok = batch.IsContiguous && batch.Rank == data.Rank && batch.Dim(0) == BatchSize;
        for (int k = 1; ok && k < data.Rank; k++)
            ok = batch.Dim(k) == data.Dim(k);
        if (!ok)
            throw new ArgumentException(
                $"MiniBatches.{op}: {paramName} {Shapes.Format(batch.Shape)} must be a contiguous ({BatchSize}{string.Concat(data.Shape.Skip(1).Select(d => $", {d}"))}) array.",
                paramName);
    }
}
