using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>A batch-norm layer's test-time statistics, which are state but not parameters (checkpoints save them).</summary>
public interface IRunningStatistics
{
    /// <summary>γ; the running statistics have its shape.</summary>
    Parameter Gamma { get; }

    /// <summary>ε, added to the variance before the square root.</summary>
    float Eps { get; }

    /// <summary>The book's conventions or PyTorch's: the running update and the statistics a first Forward starts from.</summary>
    BatchNormConvention Convention { get; }

    /// <summary>The running-statistics factor, read by <see cref="Convention"/>'s rule.</summary>
    float Momentum { get; }

    /// <summary>Running mean used at test time; null before the first Forward.</summary>
    NDArray? RunningMean { get; set; }

    /// <summary>Running variance used at test time; null before the first Forward.</summary>
    NDArray? RunningVar { get; set; }
}
