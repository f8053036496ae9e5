using System.Runtime.InteropServices;

namespace Scratch.Tensors.Kernels;

/// <summary>64-byte-aligned native blocks for the GEMM's packed panels of A and B, kept between calls for reuse.</summary>
/// <remarks>
/// The packed panels used to come from <see cref="System.Buffers.ArrayPool{T}"/>: a first 1024³ product rented 1M
/// floats plus 16 of alignment slack, which that pool rounds up to its 2M-float bucket, and the 8 MiB array on the
/// large object heap set off a gen2 collection inside the product (a 0.6-0.7 ms pause, then 1-1.5 ms compiling the
/// pool's trim callback). Native blocks are as large as asked (in steps of 64 KiB), aligned without slack, and never
/// make the garbage collector run.
/// <para>
/// A returned block is kept for the next rent that fits in it, the smallest such block first. The pool keeps at most
/// a number of blocks and of bytes; past either, it frees its smallest blocks, or the returned one if that is the
/// smallest. Rent and return take a lock: a product rents one block per task, and even a small packed product takes
/// microseconds.
/// </para>
/// </remarks>
internal sealed unsafe class PackBufferPool(int maxKeptBlocks, long maxKeptBytes)
{
    /// <summary>The pool of the GEMM kernels: up to 16 blocks and 64 MiB (two of the largest panels of B, 16 MiB each, and blocks of A).</summary>
    public static PackBufferPool Shared { get; } = new(16, 64L << 20);

    /// <summary>Blocks are allocated in whole steps of this many floats (64 KiB), so that sizes that differ a little share a block.</summary>
    private const int StepFloats = 16 << 10;

    private readonly object _gate = new();   // a Monitor: a contended System.Threading.Lock allocates its waiter (368 bytes) once, inside some training step
    private readonly Block[] _kept = new Block[maxKeptBlocks];   // [0, _keptCount) in use, in no order
    private int _keptCount;
    private long _keptBytes;

    /// <summary>A native block of <see cref="Floats"/> floats at <see cref="Start"/> (64-byte aligned), owned by its renter until returned.</summary>
    internal readonly record struct Block(nint Pointer, nint Floats)
    {
        /// <summary>The block's first float.</summary>
        public float* Start => (float*)Pointer;
    }

    /// <summary>How many blocks the pool holds for reuse.</summary>
    public int KeptCount
    {
        get
        {
            lock (_gate)
                return _keptCount;
        }
    }

    /// <summary>How many bytes the blocks held for reuse take.</summary>
    public long KeptBytes
    {
        get
        {
            lock (_gate)
                return _keptBytes;
        }
    }

    /// <summary>A block of at least <paramref name="floats"/> floats, contents undefined: the smallest kept one that fits, else a new one.</summary>
    /// <exception cref="OutOfMemoryException">A new block could not be allocated.</exception>
    public Block Rent(nint floats)
    {
        lock (_gate)
        {
            int best = -1;
            for (int i = 0; i < _keptCount; i++)
                if (_kept[i].Floats >= floats && (best < 0 || _kept[i].Floats < _kept[best].Floats))
                    best = i;
            if (best >= 0)
                return RemoveKept(best);
        }
        nint size = (Math.Max(floats, 1) + StepFloats - 1) / StepFloats * StepFloats;
        return new Block((nint)NativeMemory.AlignedAlloc((nuint)size * sizeof(float), 64), size);
    }

    /// <summary>Takes <paramref name="block"/> back for reuse, or frees it; the caller must not use it again. A default block is ignored.</summary>
    public void Return(Block block)
    {
        if (block.Pointer == 0)
            return;
        if (!TryKeep(block))
            NativeMemory.AlignedFree(block.Start);
    }

    /// <summary>Keeps <paramref name="block"/>, first freeing kept blocks smaller than it if the pool is full; false if it stays too full.</summary>
    private bool TryKeep(Block block)
    {
        long bytes = block.Floats * sizeof(float);
        if (bytes > maxKeptBytes)
            return false;
        lock (_gate)
        {
            while (_keptCount == _kept.Length || _keptBytes + bytes > maxKeptBytes)
            {
                if (_keptCount == 0)
                    return false;   // a pool that keeps no blocks
                int smallest = 0;
                for (int i = 1; i < _keptCount; i++)
                    if (_kept[i].Floats < _kept[smallest].Floats)
                        smallest = i;
                if (_kept[smallest].Floats >= block.Floats)
                    return false;
                NativeMemory.AlignedFree(RemoveKept(smallest).Start);
            }
            _kept[_keptCount++] = block;
            _keptBytes += bytes;
            return true;
        }
    }

    /// <summary>Allocates blocks of these sizes (in floats), writes every page of them once, and keeps them for the next rents.</summary>
    /// <remarks>
    /// For the warm-up: the first write to each 4 KiB page of a new block is a page fault, about 1.7 µs on the 2-core VM,
    /// so the 4 MiB panel of B took 1.5-2 ms of a first 1024³ product that runs in 7-11 ms once warm.
    /// </remarks>
    public void Reserve(ReadOnlySpan<nint> floats)
    {
        Span<Block> blocks = stackalloc Block[Math.Min(floats.Length, _kept.Length)];
        for (int i = 0; i < blocks.Length; i++)
        {
            blocks[i] = Rent(floats[i]);
            NativeMemory.Clear(blocks[i].Start, (nuint)blocks[i].Floats * sizeof(float));
        }
        foreach (Block block in blocks)
            Return(block);
    }

    /// <summary>Removes kept block <paramref name="index"/> from the list (under the lock), moving the last one into its place.</summary>
    private Block RemoveKept(int index)
    {
        Block block = _kept[index];
        _keptBytes -= block.Floats * sizeof(float);
        _kept[index] = _kept[--_keptCount];
        _kept[_keptCount] = default;
        return block;
    }
}
