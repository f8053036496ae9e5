using Scratch.Tensors.Kernels;

namespace Scratch.Tests.Tensors;

/// <summary>The native blocks behind the GEMM's packed panels: aligned, large enough, reused smallest-first, bounded, and never shared.</summary>
public unsafe class PackBufferPoolTests
{
    private const int Step = 16 << 10;   // floats per 64 KiB, the pool's allocation step

    [TestCase(1)]
    [TestCase(7)]
    [TestCase(Step)]
    [TestCase(Step + 1)]
    [TestCase((1 << 20) + 3)]
    public void Rent_GivesA64ByteAlignedBlock_OfWholeSteps_AtLeastAsLargeAsAsked(int floats)
    {
        var pool = new PackBufferPool(4, 64L << 20);
        PackBufferPool.Block block = pool.Rent(floats);
        try
        {
            Assert.That((long)block.Pointer % 64, Is.Zero);
            Assert.That((long)block.Floats, Is.GreaterThanOrEqualTo(floats).And.LessThan(floats + Step));
            Assert.That((long)block.Floats % Step, Is.Zero);
            new Span<float>(block.Start, (int)block.Floats).Fill(1f);   // the whole block is writable
        }
        finally
        {
            pool.Return(block);
        }
    }

    [Test]
    public void Rent_AfterReturn_ReusesTheSmallestKeptBlockThatFits()
    {
        var pool = new PackBufferPool(4, 64L << 20);
        PackBufferPool.Block small = pool.Rent(2 * Step), large = pool.Rent(6 * Step);
        pool.Return(large);
        pool.Return(small);
        Assert.That(pool.KeptCount, Is.EqualTo(2));

        PackBufferPool.Block forOne = pool.Rent(Step), forFour = pool.Rent(4 * Step);
        Assert.That(forOne, Is.EqualTo(small), "the smallest block that fits");
        Assert.That(forFour, Is.EqualTo(large));
        Assert.That(pool.KeptCount, Is.Zero, "a rented block is no longer kept");

        PackBufferPool.Block fresh = pool.Rent(Step);   // none kept: a new block
        Assert.That(fresh.Pointer, Is.Not.EqualTo(small.Pointer).And.Not.EqualTo(large.Pointer));
        foreach (PackBufferPool.Block block in new[] { forOne, forFour, fresh })
            pool.Return(block);
        Assert.That(pool.KeptCount, Is.EqualTo(3));
        Assert.That(pool.KeptBytes, Is.EqualTo((2 + 6 + 1) * Step * sizeof(float)));
    }

    [Test]
    public void Return_PastTheByteLimit_FreesTheSmallestBlocks_AndNeverKeepsMore()
    {
        var pool = new PackBufferPool(8, 4L * Step * sizeof(float));   // room for 4 steps
        PackBufferPool.Block one = pool.Rent(Step), two = pool.Rent(2 * Step), three = pool.Rent(3 * Step), five = pool.Rent(5 * Step);
        pool.Return(one);
        pool.Return(two);
        Assert.That(pool.KeptBytes, Is.EqualTo(3L * Step * sizeof(float)));

        pool.Return(three);   // 6 steps: the 1-step block goes, then the 2-step block
        Assert.That(pool.KeptCount, Is.EqualTo(1));
        Assert.That(pool.KeptBytes, Is.EqualTo(3L * Step * sizeof(float)));
        Assert.That(pool.Rent(Step), Is.EqualTo(three));
        pool.Return(three);

        pool.Return(five);   // larger than the whole limit: freed, and the kept block stays
        Assert.That(pool.KeptCount, Is.EqualTo(1));
        Assert.That(pool.KeptBytes, Is.EqualTo(3L * Step * sizeof(float)));
    }

    [Test]
    public void Return_PastTheBlockLimit_KeepsTheLargestBlocks()
    {
        var pool = new PackBufferPool(2, 64L << 20);
        PackBufferPool.Block[] blocks = [pool.Rent(3 * Step), pool.Rent(Step), pool.Rent(2 * Step)];
        foreach (PackBufferPool.Block block in blocks)
            pool.Return(block);
        Assert.That(pool.KeptCount, Is.EqualTo(2));
        Assert.That(pool.KeptBytes, Is.EqualTo(5L * Step * sizeof(float)), "the 3- and 2-step blocks");

        pool.Return(pool.Rent(Step));   // a 2-step block goes out and back: still the same two
        Assert.That(pool.KeptBytes, Is.EqualTo(5L * Step * sizeof(float)));
    }

    [Test]
    public void Reserve_KeepsTheBlocks_SoThatRentsOfThoseSizesReuseThem()
    {
        var pool = new PackBufferPool(4, 64L << 20);
        pool.Reserve([4 * Step, Step, Step]);
        Assert.That(pool.KeptCount, Is.EqualTo(3));
        Assert.That(pool.KeptBytes, Is.EqualTo(6L * Step * sizeof(float)));

        PackBufferPool.Block a = pool.Rent(Step), b = pool.Rent(Step), c = pool.Rent(3 * Step);
        Assert.That(pool.KeptCount, Is.Zero);
        Assert.That(new[] { a.Floats, b.Floats, c.Floats }, Is.EqualTo(new nint[] { Step, Step, 4 * Step }));
        Assert.That(new Span<float>(c.Start, (int)c.Floats).ToArray(), Is.All.Zero, "reserved blocks were written once, with zeros");
        foreach (PackBufferPool.Block block in new[] { a, b, c })
            pool.Return(block);
    }

    [Test]
    public void RentAndReturn_FromManyThreads_NeverHandOneBlockToTwoRenters()
    {
        var pool = new PackBufferPool(4, 64L << 20);
        int failures = 0;
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, worker =>
        {
            for (int round = 0; round < 2000; round++)
            {
                PackBufferPool.Block block = pool.Rent(Step * (1 + (worker + round) % 3));
                var floats = new Span<float>(block.Start, Step);
                floats.Fill(worker);
                Thread.Yield();
                if (floats.IndexOfAnyExcept((float)worker) >= 0)
                    Interlocked.Increment(ref failures);
                pool.Return(block);
            }
        });
        Assert.That(failures, Is.Zero, "a block was written by another renter while rented");
        Assert.That(pool.KeptCount, Is.LessThanOrEqualTo(4));
    }
}
