namespace Scratch.Nn;

/// <summary>How a <see cref="Convolution"/> computes: one product over the whole batch, or the book's im2col code as the reference.</summary>
public enum ConvolutionAlgorithm
{
    /// <summary>
    /// One product for the batch: <c>out = W_col·cols</c> with cols (C·FH·FW, N·OH·OW), the bias (and a fused ReLU)
    /// added while the maps are moved into (N, FN, OH, OW); <c>dW = dout·colsᵀ</c> and <c>dcols = W_colᵀ·dout</c> are
    /// one product each. Buffers are reused across steps. The default.
    /// </summary>
    BatchGemm,

    /// <summary>The book's code: <c>col = im2col(x)</c> (N·OH·OW, C·FH·FW), <c>out = col·W_colᵀ + b</c> reshaped and transposed, and its backward with col2im. Readable, allocates every call.</summary>
    Im2ColReference,
}
