namespace Scratch.Nn;

/// <summary>Which batch-norm conventions a layer follows: the book's, or PyTorch's (those of the course's NumPy file on training techniques).</summary>
public enum BatchNormConvention
{
    /// <summary>The book: ε = 1e-6 (its <c>10e-7</c>), <c>running = momentum·running + (1 − momentum)·batch</c> with momentum 0.9, running mean and variance starting at 0.</summary>
    Book,

    /// <summary>PyTorch's: ε = 1e-5, <c>running = (1 − momentum)·running + momentum·batch</c> with momentum 0.1, the batch variance unbiased (× n/(n − 1)) in the running one, running mean starting at 0 and running variance at 1.</summary>
    PyTorch,
}
