using Scratch.Tensors;

namespace Scratch.Data;

public static partial class Preprocessing
{
    /// <summary>x and t with their rows in the same random order: the book's <c>shuffle_dataset(x, t)</c>.</summary>
    /// <remarks>x: (N, …), t: (N, …); both new arrays. Draws <c>random.Permutation(N)</c>, as
    /// <c>np.random.permutation(x.shape[0])</c>.</remarks>
    public static (NDArray X, NDArray T) ShuffleDataset(NDArray x, NDArray t, RandomState random)
    {
        ArgumentNullException.ThrowIfNull(random);
        int n = CheckPair("ShuffleDataset", x, t);
        int[] permutation = random.Permutation(n);
        return (x.Take(permutation), t.Take(permutation));
    }

    /// <summary>Shuffles, then holds out the first <c>int(N · validationFraction)</c> rows for validation, as the book's chapter 6 hyperparameter search.</summary>
    /// <remarks>
    /// <code>
    /// x_train, t_train = shuffle_dataset(x_train, t_train)
    /// validation_num = int(x_train.shape[0] * validation_rate)
    /// x_val, t_val = x_train[:validation_num], t_train[:validation_num]
    /// x_train, t_train = x_train[validation_num:], t_train[validation_num:]
    /// </code>
    /// x: (N, …), t: (N, …). The four results are new contiguous arrays; together they hold each row exactly once.
    /// </remarks>
    public static ((NDArray X, NDArray T) Train, (NDArray X, NDArray T) Validation) TrainValidationSplit(
        NDArray x, NDArray t, double validationFraction, RandomState random)
    {
        ArgumentNullException.ThrowIfNull(random);
        int n = CheckPair("TrainValidationSplit", x, t);
        if (!(validationFraction >= 0 && validationFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction,
                "TrainValidationSplit: validationFraction must be in [0, 1].");
        var (xs, ts) = ShuffleDataset(x, t, random);
        int validation = (int)(n * validationFraction);   // Python's int(): truncates
        return ((xs.Slice(0, validation, n).Clone(), ts.Slice(0, validation, n).Clone()),
                (xs.Slice(0, 0, validation).Clone(), ts.Slice(0, 0, validation).Clone()));
    }

    private static int CheckPair(string op, NDArray x, NDArray t)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(t);
        if (x.Rank < 1 || t.Rank < 1 || x.Dim(0) != t.Dim(0))
            throw new ArgumentException($"{op}: x {Shapes.Format(x.Shape)} and t {Shapes.Format(t.Shape)} must have the same number of rows.", nameof(t));
        return x.Dim(0);
    }
}
