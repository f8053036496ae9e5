namespace Scratch.Data;

/// <summary>The element type of an IDX file: the third byte of its header.</summary>
/// <remarks>Multi-byte values are stored big-endian. MNIST images and labels are <see cref="UInt8"/>.</remarks>
public enum IdxType : byte
{
    /// <summary>Unsigned byte, 0 to 255 (code 0x08).</summary>
    UInt8 = 0x08,

    /// <summary>Signed byte, −128 to 127 (code 0x09).</summary>
    Int8 = 0x09,

    /// <summary>Big-endian 16-bit signed integer (code 0x0B).</summary>
    Int16 = 0x0B,

    /// <summary>Big-endian 32-bit signed integer (code 0x0C).</summary>
    Int32 = 0x0C,

    /// <summary>Big-endian IEEE 754 single (code 0x0D).</summary>
    Float32 = 0x0D,

    /// <summary>Big-endian IEEE 754 double (code 0x0E).</summary>
    Float64 = 0x0E,
}
