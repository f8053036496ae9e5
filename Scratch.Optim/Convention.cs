namespace Scratch.Optim;

/// <summary>Which of two published forms of an update rule an optimizer follows.</summary>
/// <remarks>
/// | rule | <see cref="Book"/> (the book's <c>common/optimizer.py</c>) | <see cref="PyTorch"/> (<c>torch.optim</c>, the course's training-techniques file) |
/// |---|---|---|
/// | <see cref="Momentum"/> | <c>v = μ·v − lr·g;  W += v</c> | <c>v = μ·v + g;  W −= lr·v</c> |
/// | <see cref="Adam"/> | <c>lr_t = lr·√(1−β2ᵗ)/(1−β1ᵗ);  W −= lr_t·m/(√v + 1e-7)</c> | <c>m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ);  W −= lr·m̂/(√v̂ + 1e-8)</c> |
/// With a constant learning rate the two momentum forms take identical steps (the PyTorch velocity is the book's divided
/// by −lr); they part when the rate changes mid-training, since PyTorch's velocity does not carry the old rate. The two Adam
/// forms differ only in where ε enters (and its default), which matters while √v is near ε.
/// </remarks>
public enum Convention
{
    /// <summary>The book's update rules, as written in its Python code (the default).</summary>
    Book,

    /// <summary>PyTorch's update rules, as the course's NumPy file on training techniques writes them.</summary>
    PyTorch,
}
