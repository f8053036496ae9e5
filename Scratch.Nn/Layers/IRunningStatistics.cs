using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>A batch-norm layer's test-time statistics, which are state but not parameters (checkpoints save them).</summary>
public interface IRunningStatistics
{
    /// <summary>γ; the running statistics have its shape.</summary>
    Parameter Gamma { get; }

    /// <summary>Running mean used at test time; null before the first Forward.</summary>
    NDArray? RunningMean { get; set; }

    /// <summary>Running variance used at test time; null before the first Forward.</summary>
    NDArray? RunningVar { get; set; }
}
