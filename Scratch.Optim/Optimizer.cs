using System.Runtime.InteropServices;

namespace Scratch.Optim;

/// <summary>What every update rule shares: a validated learning rate, the per-parameter state table, and the loop of <see cref="Update"/>.</summary>
/// <remarks>
/// A subclass names its state arrays (Momentum: <c>v</c>; AdaGrad, RMSprop: <c>h</c>; Adam: <c>m</c>, <c>v</c> and the step
/// count <c>t</c>) and writes its rule in <see cref="Step"/>, nothing else. <see cref="Update"/> validates every parameter
/// before any changes, creates a parameter's state on its first update (zeroed arrays of its size, the book's
/// <c>np.zeros_like(val)</c>), counts the updates it took part in, and calls <see cref="Step"/>. State is keyed by the
/// <see cref="Parameter"/> object itself (reference identity). After a parameter's first update nothing is allocated.
/// The built-in rules store a state value below 2⁻¹²⁶ in magnitude (a float32 subnormal) as 0: state that decays under
/// zero gradients would otherwise stop in that range, where x86 arithmetic is about a hundred times slower.
/// A rule that declares itself elementwise (<see cref="IsElementwise"/>, as every built-in rule does) has its large
/// parameters updated in blocks on up to all cores, with results bit-identical to one whole-parameter <see cref="Step"/>.
/// </remarks>
public abstract partial class Optimizer : IOptimizer
{
    private readonly string _name;          // the concrete class, for error messages
    private readonly string[] _slots;       // names of the per-parameter arrays, in Step's order
    private readonly bool _savesStepCount;  // whether GetState/SetState carry t
    private readonly Dictionary<Parameter, OptimizerState> _state = new(ReferenceEqualityComparer.Instance);
    private float _lr;

    /// <summary>An optimizer with step size <paramref name="lr"/>, keeping one array per name in <paramref name="slots"/> for each parameter.</summary>
    /// <param name="lr">The learning rate; finite and ≥ 0.</param>
    /// <param name="slots">The state arrays' names as <see cref="GetState"/> reports them (empty for SGD).</param>
    /// <param name="savesStepCount">Whether the per-parameter step count is part of the state (as <c>t</c>), as Adam's bias correction needs.</param>
    /// <exception cref="ArgumentException"><paramref name="lr"/> is negative, NaN or infinite.</exception>
    protected Optimizer(float lr, string[] slots, bool savesStepCount = false)
    {
        ArgumentNullException.ThrowIfNull(slots);
        _name = GetType().Name;
        _lr = Check.NonNegative(_name, nameof(lr), lr);
        _slots = slots;
        _savesStepCount = savesStepCount;
    }

    /// <inheritdoc/>
    public float LearningRate
    {
        get => _lr;
        set => _lr = Check.NonNegative(_name, nameof(LearningRate), value, nameof(value));
    }

    /// <inheritdoc/>
    public void Update(IReadOnlyList<Parameter> parameters)
    {
        Check.All(_name, parameters);   // every parameter valid before any changes
        for (int p = 0; p < parameters.Count; p++)
        {
            Check.ValueAndGrad(_name, parameters, p, out Span<float> w, out ReadOnlySpan<float> g);
            OptimizerState state = StateOf(parameters[p]);
            state.Steps++;
            if (IsElementwise && Blocks.Apply(w.Length))
                StepInBlocks(parameters[p], state);
            else
                Step(w, g, state);
        }
    }

    /// <summary>The rule itself: one parameter's update <c>W ← step(W, g, state)</c>, in place.</summary>
    /// <param name="w">The parameter's Value, updated in place.</param>
    /// <param name="g">Its gradient, same length.</param>
    /// <param name="state">Its state: the named arrays (same length as <paramref name="w"/>) and the step count, already counting this update.</param>
    protected abstract void Step(Span<float> w, ReadOnlySpan<float> g, OptimizerState state);

    /// <summary>
    /// Whether <see cref="Step"/> is elementwise: it computes element i of W and of each state array from element i of W, g
    /// and the state alone (plus scalars such as the learning rate and <c>t</c>). False unless a subclass overrides it.
    /// </summary>
    /// <remarks>
    /// When true, <see cref="Update"/> may call <see cref="Step"/> on blocks of a large parameter (consecutive elements;
    /// W, g and every state array cut alike) from several threads at once, so the rule must not read other elements
    /// (no norm or sum over the parameter), must not change the optimizer's fields inside Step, must not keep the state
    /// object after the call, and must not run NDArray operations (Step then runs inside the engine's parallel loop, on
    /// its worker threads too). When false, Step always sees the whole parameter in one call on the calling thread.
    /// </remarks>
    protected virtual bool IsElementwise => false;

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, float[]> GetState(Parameter parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        var copy = new Dictionary<string, float[]>();
        if (!_state.TryGetValue(parameter, out OptimizerState? state)) return copy;   // no update yet
        for (int s = 0; s < _slots.Length; s++)
            copy[_slots[s]] = state[s].ToArray();
        if (_savesStepCount) copy["t"] = [state.Steps];
        return copy;
    }

    /// <inheritdoc/>
    /// <remarks>An empty <paramref name="state"/> clears the parameter's state, as if it had never been updated.</remarks>
    public void SetState(Parameter parameter, IReadOnlyDictionary<string, float[]> state)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        ArgumentNullException.ThrowIfNull(state);
        if (state.Count == 0)
        {
            _state.Remove(parameter);
            return;
        }
        int steps = 0;
        if (_savesStepCount)
        {
            float t = Slot(parameter, state, "t", 1)[0];
            if (!(t >= 0 && t == MathF.Floor(t)))
                throw new ArgumentException($"{_name}.SetState: parameter '{parameter.Name}' step count t must be a whole number ≥ 0, got {Check.Format(t)}.", nameof(state));
            steps = (int)t;
        }
        var arrays = new float[_slots.Length][];
        for (int s = 0; s < _slots.Length; s++)
            arrays[s] = Slot(parameter, state, _slots[s], parameter.Value.Size);
        _state[parameter] = new OptimizerState(arrays, parameter.Value.Size) { Steps = steps };
    }

    /// <summary>The state of <paramref name="p"/>, created zeroed on its first update.</summary>
    private OptimizerState StateOf(Parameter p)
    {
        ref OptimizerState? slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_state, p, out bool exists);
        if (!exists)
        {
            var arrays = new float[_slots.Length][];
            for (int s = 0; s < arrays.Length; s++)
                arrays[s] = new float[p.Value.Size];
            slot = new OptimizerState(arrays, p.Value.Size);
        }
        return slot!;
    }

    /// <summary>A copy of <paramref name="state"/>[<paramref name="name"/>], checked to hold <paramref name="length"/> values.</summary>
    private float[] Slot(Parameter p, IReadOnlyDictionary<string, float[]> state, string name, int length)
    {
        if (!state.TryGetValue(name, out float[]? values))
            throw new ArgumentException($"{_name}.SetState: parameter '{p.Name}' state lacks '{name}'; it has {string.Join(", ", state.Keys)}.", nameof(state));
        if (values.Length != length)
            throw new ArgumentException($"{_name}.SetState: parameter '{p.Name}' state '{name}' holds {values.Length} values, expected {length}.", nameof(state));
        return (float[])values.Clone();
    }
}
