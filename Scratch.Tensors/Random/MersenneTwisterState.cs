namespace Scratch.Tensors;

/// <summary>The whole state of a <see cref="RandomState"/>: NumPy's <c>get_state()</c> tuple <c>('MT19937', key, pos, has_gauss, cached_gaussian)</c>.</summary>
/// <remarks>
/// Taken with <see cref="RandomState.GetState"/> and restored with <see cref="RandomState.SetState"/>, for example to save a
/// dropout layer's mask stream with a checkpoint so that a resumed run draws the masks an uninterrupted one would.
/// </remarks>
/// <param name="Key">The 624 MT19937 state words.</param>
/// <param name="Position">The index of the next word to use, in [0, 624]; 624 means the words are regenerated before the next draw.</param>
/// <param name="HasGauss">Whether a second Gaussian of a polar pair is waiting for the next Gaussian draw.</param>
/// <param name="CachedGaussian">That Gaussian when <paramref name="HasGauss"/>; 0 otherwise.</param>
public sealed record MersenneTwisterState(uint[] Key, int Position, bool HasGauss, double CachedGaussian);
