using System.Runtime.Intrinsics.X86;

namespace Scratch.Tensors.Kernels;

/// <summary>The block sizes of <see cref="GemmBlocked"/> for one register tile, from this machine's cache sizes.</summary>
/// <remarks>
/// The rule, after the BLIS analytical model (Low et al., 2016) and measured on 1024³ and 2048³ (one thread,
/// 8×32 tile, 48 KiB L1d, 2 MiB L2): MC in 64-336 ran within 5 % of each other, while the half-L1d KC of the model
/// (192) lost 10-15 % at 2048³, where each depth block is one more pass over C in memory.
/// <list type="bullet">
/// <item>KC: a packed (KC, NR) sliver of B, reused by every sliver of A of the block, fills twice L1d, at most 768:
/// it streams from L2 with the slivers of A, and each depth block fewer is one pass fewer over C. Measured on this
/// rule's machine (one thread, against OpenBLAS in the same runs): KC = 384 (L1d once) gave 0.86-0.87× at 2048³,
/// 768 gave 0.90-0.92×, 1024 no better, 256 worse (0.84-0.87×); 1024³ and the MLP shapes did not move;</item>
/// <item>MC: a packed (MC, KC) block of A, reused by every sliver of B of the panel, fills a quarter of L2;</item>
/// <item>NC: a packed (KC, NC) panel of B fills half of one core's share of L3 (L2 where there is no L3).</item>
/// </list>
/// Each is rounded down to a multiple of 8 (KC) or of the tile (MC, NC) and kept within bounds that stop a
/// misreported cache size from making a block degenerate. The driver then splits k and m into equal blocks of at
/// most KC and MC.
/// </remarks>
/// <param name="KC">Depth of a block, the shared dimension.</param>
/// <param name="MC">Rows of a packed block of A, a multiple of MR.</param>
/// <param name="NC">Columns of a packed panel of B, a multiple of NR.</param>
internal readonly record struct GemmBlockSizes(int KC, int MC, int NC)
{
    /// <summary>Block sizes for an (MR, NR) tile with caches of the given sizes (bytes; L3 per core, 0 for none).</summary>
    public static GemmBlockSizes For(int mr, int nr, long l1, long l2, long l3)
    {
        int kc = Math.Clamp((int)(2 * l1 / (nr * sizeof(float))) / 8 * 8, 64, 768);
        int mc = Math.Clamp((int)(l2 / 4 / (kc * sizeof(float))) / mr * mr, mr, 4096 / mr * mr);
        long outer = l3 > l2 ? l3 : l2;
        int nc = Math.Clamp((int)(outer / 2 / (kc * sizeof(float))) / nr * nr, nr, 16384 / nr * nr);
        return new GemmBlockSizes(kc, mc, nc);
    }

    /// <summary>Block sizes for an (MR, NR) tile on this machine.</summary>
    public static GemmBlockSizes For(int mr, int nr) => For(mr, nr, Caches.L1, Caches.L2, Caches.L3);

    /// <summary>This machine's data cache sizes in bytes: L1d and L2 of one core, and one core's share of L3 (0 if none).</summary>
    internal static (long L1, long L2, long L3) Caches { get; } = DetectCaches();

    /// <summary>Cache sizes from CPUID (Intel leaf 4, AMD leaf 0x8000001D), else 32 KiB / 512 KiB / 2 MiB.</summary>
    private static (long L1, long L2, long L3) DetectCaches()
    {
        long l1 = 0, l2 = 0, l3 = 0;
        if (X86Base.IsSupported)
        {
            int leaf = X86Base.CpuId(0, 0).Eax >= 4 && !IsAmd() ? 4 : unchecked((int)0x8000001D);
            if (leaf == 4 || (uint)X86Base.CpuId(unchecked((int)0x80000000), 0).Eax >= 0x8000001D)
            {
                for (int index = 0; index < 16; index++)
                {
                    var (eax, ebx, ecx, _) = X86Base.CpuId(leaf, index);
                    int type = eax & 31;          // 0: no more caches, 1: data, 2: instruction, 3: unified
                    if (type == 0)
                        break;
                    if (type == 2)
                        continue;
                    int level = (eax >> 5) & 7;
                    long ways = ((uint)ebx >> 22) + 1, partitions = ((ebx >> 12) & 1023) + 1, line = (ebx & 4095) + 1;
                    long size = ways * partitions * line * ((uint)ecx + 1L);
                    int sharing = ((eax >> 14) & 4095) + 1;   // logical processors sharing it
                    switch (level)
                    {
                        case 1: l1 = size; break;
                        case 2: l2 = size; break;
                        case 3: l3 = size / Math.Max(1, Math.Min(sharing, Environment.ProcessorCount)); break;
                    }
                }
            }
        }
        return (l1 > 0 ? l1 : 32 << 10, l2 > 0 ? l2 : 512 << 10, l3 > 0 ? l3 : 2 << 20);
    }

    /// <summary>Whether CPUID's vendor string is "AuthenticAMD" (or Hygon's, which follows AMD's leaves).</summary>
    private static bool IsAmd()
    {
        var (_, ebx, _, _) = X86Base.CpuId(0, 0);
        return ebx is 0x68747541 /* "Auth" */ or 0x6F677948 /* "Hygo" */;
    }
}
