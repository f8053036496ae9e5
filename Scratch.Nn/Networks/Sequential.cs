using System.Numerics.Tensors;
using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>A stack of layers ending in a loss layer: <c>Predict</c> runs them in order, <c>Gradient</c> backpropagates in reverse.</summary>
/// <remarks>
/// Parameters get the book's keys: the k-th parameter named <c>W</c> is <c>W{k}</c>, the k-th <c>gamma</c> is <c>gamma{k}</c>, and so on.
/// With <see cref="WeightDecayLambda"/> λ &gt; 0 the loss gains ½λΣW² over every <c>W</c> and each <c>W.Grad</c> gains λW (the book's L2 decay).
/// </remarks>
public class Sequential : INetwork
{
    private readonly List<ILayer> _layers;
    private readonly Dictionary<string, Parameter> _params = [];
    private readonly List<Parameter> _parameters = [];
    private readonly Parameter[] _decayedWeights;             // every "W", for the L2 decay
    private readonly KeyValuePair<string, Parameter>[] _keyed; // _params in order, walked without an enumerator
    private readonly Dictionary<string, NDArray> _grads = [];  // what Gradient returns, refreshed in place every call
    private readonly bool[] _fusedWithNextRelu;               // layer i is a Convolution or Affine followed by a Relu
    private readonly bool[] _poolingAfterRelu;                // layer i is a MaxPooling after a Relu that is not the first layer
    private readonly bool[] _convolutionReluPooling;          // layer i is a Convolution followed by a Relu and a MaxPooling without padding
    private readonly bool[] _pooledInForward;                 // layer i ran as one pass with the Relu and MaxPooling after it in the last Gradient
    private readonly bool[] _reluBeforeConvolution;           // layer i is a Convolution whose input is the output of a Relu that is not the first layer
    private readonly object _inferenceLock = new();           // serializes layers that lack IStatelessInference

    /// <summary>Chains <paramref name="layers"/> and ends them with <paramref name="lastLayer"/>.</summary>
    public Sequential(IEnumerable<ILayer> layers, ILossLayer lastLayer, float weightDecayLambda = 0f)
    {
        ArgumentNullException.ThrowIfNull(layers);
        _layers = layers.ToList();
        LastLayer = lastLayer ?? throw new ArgumentNullException(nameof(lastLayer));
        if (!(weightDecayLambda >= 0) || float.IsInfinity(weightDecayLambda))
            throw new ArgumentException($"Sequential: weightDecayLambda must be finite and ≥ 0, got {weightDecayLambda}.", nameof(weightDecayLambda));
        WeightDecayLambda = weightDecayLambda;
        var counts = new Dictionary<string, int>();
        foreach (var p in _layers.SelectMany(layer => layer.Parameters))
        {
            counts[p.Name] = counts.GetValueOrDefault(p.Name) + 1;
            _params.Add(p.Name + counts[p.Name], p);
            _parameters.Add(p);
        }
        _decayedWeights = _parameters.Where(p => p.Name == "W").ToArray();
        _keyed = _params.ToArray();
        foreach (var (key, p) in _keyed) _grads[key] = p.Grad;
        _fusedWithNextRelu = _layers.Select((layer, i) => layer is Convolution or Affine && i + 1 < _layers.Count && _layers[i + 1] is Relu).ToArray();
        _poolingAfterRelu = _layers.Select((layer, i) => layer is MaxPooling && i >= 2 && _layers[i - 1] is Relu).ToArray();
        _convolutionReluPooling = _layers.Select((layer, i) =>
            layer is Convolution && i + 2 < _layers.Count && _layers[i + 1] is Relu && _layers[i + 2] is MaxPooling { Pad: 0 }).ToArray();
        _pooledInForward = new bool[_layers.Count];
        _reluBeforeConvolution = _layers.Select((layer, i) => layer is Convolution && i >= 2 && _layers[i - 1] is Relu).ToArray();
    }

    /// <summary>The layers in forward order (the loss layer excluded).</summary>
    public IReadOnlyList<ILayer> Layers => _layers;

    /// <summary>The loss layer that ends the network.</summary>
    public ILossLayer LastLayer { get; }

    /// <summary>λ of the L2 weight decay on every <c>W</c> (0: none).</summary>
    public float WeightDecayLambda { get; }

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, Parameter> Params => _params;

    /// <inheritdoc/>
    /// <remarks>
    /// Training mode runs every layer's <c>Forward</c> (their buffers, one thread at a time); a Convolution or Affine
    /// followed by a Relu applies the ReLU in its own store and the Relu only records it. The result is the last
    /// layer's buffer. Test mode runs <see cref="IStatelessInference.Infer"/> and returns a new array: safe from several threads.
    /// </remarks>
    public NDArray Predict(NDArray x, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        return training ? ForwardTraining(x, fusePooling: false) : Infer(x);
    }

    /// <summary>
    /// The training-mode forward pass; with <paramref name="fusePooling"/> (for <see cref="Gradient"/>), a Convolution →
    /// Relu → MaxPooling run as one pass that pools each chunk of images in cache and never forms the convolution's
    /// output (<see cref="Convolution.ForwardReluMaxPooling"/>).
    /// </summary>
    private NDArray ForwardTraining(NDArray x, bool fusePooling)
    {
        for (int i = 0; i < _layers.Count; i++)
        {
            _pooledInForward[i] = fusePooling && _convolutionReluPooling[i] && ((Convolution)_layers[i]).Algorithm == ConvolutionAlgorithm.BatchGemm;
            if (_pooledInForward[i])
            {
                x = ((Convolution)_layers[i]).ForwardReluMaxPooling(x, (MaxPooling)_layers[i + 2]);
                ((Relu)_layers[i + 1]).ForwardFusedAway();
                _pooledInForward[i + 1] = _pooledInForward[i + 2] = false;
                i += 2;
                continue;
            }
            if (!_fusedWithNextRelu[i])
            {
                x = _layers[i].Forward(x, training: true);
                continue;
            }
            x = _layers[i] is Convolution conv ? conv.Forward(x, training: true, relu: true) : ((Affine)_layers[i]).Forward(x, training: true, relu: true);
            x = ((Relu)_layers[++i]).ForwardRectified(x);   // max(·, 0) is already applied
        }
        return x;
    }

    /// <summary>Test-mode forward through <see cref="IStatelessInference.Infer"/>; a layer without it runs its Forward under a lock.</summary>
    private NDArray Infer(NDArray x)
    {
        foreach (ILayer layer in _layers)
        {
            if (layer is IStatelessInference stateless)
                x = stateless.Infer(x);
            else
                lock (_inferenceLock)
                    x = layer.Forward(x, training: false).Clone();   // the layer's buffer is overwritten by the next caller
        }
        return x;
    }

    /// <inheritdoc/>
    public float Loss(NDArray x, NDArray t, bool training = false) =>
        LastLayer.Forward(Predict(x, training), t) + WeightDecayLoss();

    /// <inheritdoc/>
    /// <remarks>Safe from several threads at once (it predicts in test mode, see <see cref="Predict"/>).</remarks>
    public float Accuracy(NDArray x, NDArray t, int batchSize = 100)
    {
        if (batchSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Accuracy: batchSize must be positive.");
        int n = x.Dim(0);
        if (t.Dim(0) != n)
            throw new ArgumentException($"Accuracy: x {Shapes.Format(x.Shape)} and t {Shapes.Format(t.Shape)} hold different numbers of samples.", nameof(t));
        if (n == 0) return 0f;
        NDArray labels = t.Rank == 2 ? t.ArgMax(1) : t;
        long correct = 0;
        for (int start = 0; start < n; start += batchSize)
        {
            int stop = Math.Min(n, start + batchSize);
            NDArray scores = Predict(x.Slice(0, start, stop));
            if (start == 0) CheckLabels(t, labels, scores.Dim(1));
            NDArray predicted = scores.ArgMax(1);
            correct += (long)NDArray.Equal(predicted, labels.Slice(0, start, stop)).Sum().Item();
        }
        return (float)((double)correct / n);
    }

    /// <summary>Rejects targets the network cannot score: one-hot rows of another width, or class indices outside [0, classes).</summary>
    private static void CheckLabels(NDArray t, NDArray labels, int classes)
    {
        if (t.Rank == 2 && t.Dim(1) != classes)
            throw new ArgumentException($"Accuracy: one-hot t {Shapes.Format(t.Shape)} has {t.Dim(1)} classes but the network scores {classes}.", nameof(t));
        float min = labels.Min().Item(), max = labels.Max().Item();
        if (min < 0 || max >= classes || float.IsNaN(min) || float.IsNaN(max))
            throw new ArgumentException($"Accuracy: labels must be class indices in [0, {classes}), got values from {min} to {max}.", nameof(t));
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Allocates nothing once warm: the layers reuse their buffers, the first layer skips ∂L/∂x (its input needs no
    /// gradient), a Convolution → Relu → MaxPooling runs as one forward and one backward pass that never form the
    /// convolution's output or its gradient whole (<see cref="Convolution.ForwardReluMaxPooling"/>; the Relu's own Backward then
    /// throws until its next Forward), a Convolution whose input came from a Relu applies that Relu's backward pass to its dx
    /// chunk by chunk (<see cref="Convolution.BackwardThroughInputRelu"/>), any other Relu → MaxPooling pair runs as one backward pass
    /// (<see cref="MaxPooling.BackwardThroughRelu"/>), and the dictionary returned is the same object every call, its values refreshed (each parameter's Grad).
    /// </remarks>
    public (float Loss, IReadOnlyDictionary<string, NDArray> Grads) Gradient(NDArray x, NDArray t)
    {
        ArgumentNullException.ThrowIfNull(x);
        float loss = LastLayer.Forward(ForwardTraining(x, fusePooling: true), t) + WeightDecayLoss();
        NDArray dout = LastLayer.Backward(1f);
        for (int i = _layers.Count - 1; i >= 0; i--)
        {
            if (i >= 2 && _pooledInForward[i - 2])
            {
                bool throughRelu = ReluBackwardFusedInto(i - 2);
                dout = ((Convolution)_layers[i - 2]).BackwardThroughReluMaxPooling(dout, (MaxPooling)_layers[i], inputGradient: i > 2, throughRelu)!;
                i -= throughRelu ? 3 : 2;                                        // the Relu's and MaxPooling's backward included, and the Relu's before
            }
            else if (ReluBackwardFusedInto(i))
                dout = ((Convolution)_layers[i--]).BackwardThroughInputRelu(dout);   // the Relu before it included
            else if (_poolingAfterRelu[i])
                dout = ((MaxPooling)_layers[i--]).BackwardThroughRelu(dout);   // the Relu's backward included
            else if (i > 0)
                dout = _layers[i].Backward(dout);
            else if (_layers[0] is IParameterGradients first)
                first.BackwardParameters(dout);                                  // the network's input needs no gradient
            else
                _layers[0].Backward(dout);
        }
        if (WeightDecayLambda > 0)
            foreach (Parameter w in _decayedWeights)
                TensorPrimitives.MultiplyAdd(w.Value.AsSpan(), WeightDecayLambda, w.Grad.AsSpan(), w.Grad.AsSpan());   // dW += λW
        foreach (var (key, p) in _keyed)
            _grads[key] = p.Grad;
        return (loss, _grads);
    }

    /// <summary>Whether layer i is a Convolution that runs the backward pass of the Relu before it in its own (<see cref="Convolution.BackwardThroughInputRelu"/>).</summary>
    private bool ReluBackwardFusedInto(int i) => _reluBeforeConvolution[i] && ((Convolution)_layers[i]).Algorithm == ConvolutionAlgorithm.BatchGemm;

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, NDArray> NumericalGradient(NDArray x, NDArray t, float h = 1e-2f) =>
        _params.ToDictionary(p => p.Key, p => Functions.NumericalGradient(_ => Loss(x, t, training: true), p.Value.Value, h));

    /// <summary>½λΣW² over every decayed weight (0 without decay), summed in double.</summary>
    private float WeightDecayLoss()
    {
        if (WeightDecayLambda == 0) return 0f;
        double sum = 0;
        foreach (Parameter w in _decayedWeights)
            sum += TensorPrimitives.SumOfSquares(w.Value.AsSpan());
        return (float)(0.5 * WeightDecayLambda * sum);
    }
}
