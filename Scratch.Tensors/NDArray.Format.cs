using System.Globalization;
using System.Text;

namespace Scratch.Tensors;

public sealed partial class NDArray
{
    private const int SummaryThreshold = 1000;   // NumPy's printoptions: threshold, edgeitems, linewidth, precision
    private const int EdgeItems = 3;
    private const int LineWidth = 75;
    private const int Precision = 8;

    /// <summary>The elements as NumPy's <c>str()</c> prints them: nested brackets, aligned columns, "..." when large.</summary>
    /// <example><c>NDArray.Arange(6).Reshape(2, 3).ToString()</c> is <c>"[[0. 1. 2.]\n [3. 4. 5.]]"</c>.</example>
    public override string ToString()
    {
        bool summarize = Size > SummaryThreshold;
        var shown = new List<float>();
        CollectShown(this, summarize, shown);
        var format = ElementFormat.For(shown);
        if (Rank == 0) return ScalarText(_storage[Offset]);
        var text = new StringBuilder();
        AppendArray(text, this, format, summarize, indent: 1);
        return text.ToString();
    }

    /// <summary>A rank-0 array as NumPy prints it: the shortest float32 digits, positional for 1e-4 ≤ |v| &lt; 1e16 (<c>3.0</c>, <c>0.1</c>), else scientific (<c>1e-05</c>, <c>1e+16</c>).</summary>
    private static string ScalarText(float v)
    {
        if (float.IsNaN(v)) return "nan";
        if (float.IsInfinity(v)) return v > 0 ? "inf" : "-inf";
        string sign = float.IsNegative(v) ? "-" : "";
        if (v == 0) return sign + "0.0";
        float magnitudeF = MathF.Abs(v);
        string[] parts = magnitudeF.ToString("E" + ShortestDigits(magnitudeF, "E", 8), CultureInfo.InvariantCulture).Split('E');
        string digits = parts[0].Replace(".", "");
        int exponent = int.Parse(parts[1], CultureInfo.InvariantCulture);
        double magnitude = Math.Abs((double)v);
        if (magnitude < 1e-4 || magnitude >= 1e16)                    // NumPy's scalar repr switches to scientific notation here
            return sign + digits[0] + (digits.Length > 1 ? "." + digits[1..] : "") + ExponentText(exponent);
        if (exponent < 0)
            return sign + "0." + new string('0', -exponent - 1) + digits;
        if (digits.Length <= exponent + 1)
            return sign + digits + new string('0', exponent + 1 - digits.Length) + ".0";
        return sign + digits[..(exponent + 1)] + "." + digits[(exponent + 1)..];
    }

    /// <summary>Fewest digits (after the point for "F", in the mantissa for "E") whose text reads back as <paramref name="v"/>, at most <paramref name="max"/>.</summary>
    private static int ShortestDigits(float v, string code, int max)
    {
        for (int digits = 0; digits < max; digits++)
            if (float.Parse(v.ToString(code + digits, CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) == v)
                return digits;
        return max;
    }

    /// <summary>NumPy's exponent: <c>e</c>, a sign and at least two digits (<c>e-05</c>, <c>e+16</c>).</summary>
    private static string ExponentText(int exponent) =>
        "e" + (exponent < 0 ? "-" : "+") + Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);

    /// <summary>A learner's view of the layout: storage length, shape, strides, offset, contiguity, and whether it is read-only.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        text.AppendLine($"NDArray float32, shape {Shapes.Format(_shape)}, {Size} elements");
        text.AppendLine($"  storage : float[{_storage.Length}] (shared by every view of it)");
        text.AppendLine($"  shape   : {Shapes.Format(_shape)}");
        text.AppendLine($"  strides : {Shapes.Format(_strides)} (elements; 0 = repeated)");
        text.AppendLine($"  offset  : {Offset}");
        text.Append($"  contiguous: {(IsContiguous ? "yes" : "no")} (element [i0, i1, …] at {Offset} + Σ ik·strides[k])");
        if (_readOnly)
            text.Append("\n  read-only: yes (a BroadcastTo view: one write would change every repeat)");
        return text.ToString();
    }

    private static IEnumerable<int> ShownIndices(int length, bool summarize) =>
        summarize && length > 2 * EdgeItems
            ? Enumerable.Range(0, EdgeItems).Concat(Enumerable.Range(length - EdgeItems, EdgeItems))
            : Enumerable.Range(0, length);

    private static void CollectShown(NDArray x, bool summarize, List<float> shown)
    {
        if (x.Rank == 0) { shown.Add(x._storage[x.Offset]); return; }
        foreach (int i in ShownIndices(x._shape[0], summarize))
            CollectShown(x.At(i), summarize, shown);
    }

    private static void AppendArray(StringBuilder text, NDArray x, ElementFormat format, bool summarize, int indent)
    {
        text.Append('[');
        int length = x._shape[0];
        bool elide = summarize && length > 2 * EdgeItems;
        if (x.Rank == 1)
        {
            int column = indent;
            bool first = true;
            foreach (int i in ShownIndices(length, summarize))
            {
                if (elide && i == length - EdgeItems) AppendItem(text, "...", ref column, ref first, indent);
                AppendItem(text, format.Format(x._storage[x.Offset + i * x._strides[0]]), ref column, ref first, indent);
            }
            text.Append(']');
            return;
        }
        string separator = new string('\n', x.Rank - 1) + new string(' ', indent);
        bool firstRow = true;
        foreach (int i in ShownIndices(length, summarize))
        {
            if (!firstRow) text.Append(separator);
            if (elide && i == length - EdgeItems) text.Append("...").Append(separator);
            AppendArray(text, x.At(i), format, summarize, indent + 1);
            firstRow = false;
        }
        text.Append(']');
    }

    /// <summary>Appends one element of a row, wrapping past <see cref="LineWidth"/> as NumPy does.</summary>
    private static void AppendItem(StringBuilder text, string item, ref int column, ref bool first, int indent)
    {
        if (!first)
        {
            if (column + 1 + item.Length + 1 > LineWidth)
            {
                text.Append('\n').Append(' ', indent);
                column = indent;
            }
            else
            {
                text.Append(' ');
                column++;
            }
        }
        text.Append(item);
        column += item.Length;
        first = false;
    }

    /// <summary>One format for every printed element, chosen as NumPy's <c>FloatingFormat</c> does (maxprec mode).</summary>
    private sealed class ElementFormat
    {
        private bool _scientific;
        private int _digits;        // mantissa digits shared by every element in scientific mode
        private int _padLeft, _padRight;

        public static ElementFormat For(IReadOnlyList<float> values)
        {
            var format = new ElementFormat();
            var finite = values.Where(float.IsFinite).ToList();
            var nonZero = finite.Select(MathF.Abs).Where(v => v != 0).ToList();
            if (nonZero.Count > 0)
            {
                float max = nonZero.Max(), min = nonZero.Min();
                format._scientific = max >= 1e8f || min < 1e-4f || max / min > 1e3f;
            }
            if (format._scientific)
                format._digits = finite.Count == 0 ? 0 : finite.Max(format.ShortestDigits);
            foreach (float v in finite)   // align the decimal points
            {
                string s = format.Raw(v);
                int left = s.IndexOf('.');
                format._padLeft = Math.Max(format._padLeft, left);
                format._padRight = Math.Max(format._padRight, s.Length - left);
            }
            foreach (float v in values.Where(v => !float.IsFinite(v)))   // nan and inf fit the same width
                format._padLeft = Math.Max(format._padLeft, format.Raw(v).Length - format._padRight);
            return format;
        }

        public string Format(float v)
        {
            string s = Raw(v);
            if (!float.IsFinite(v)) return s.PadLeft(_padLeft + _padRight);
            int left = s.IndexOf('.');
            return new string(' ', _padLeft - left) + s + new string(' ', _padRight - (s.Length - left));
        }

        /// <summary>Fewest digits (after the point, or in the mantissa) whose text reads back as <paramref name="v"/>, at most <see cref="Precision"/>.</summary>
        private int ShortestDigits(float v) => NDArray.ShortestDigits(v, _scientific ? "E" : "F", Precision);

        private string Raw(float v)
        {
            if (float.IsNaN(v)) return "nan";
            if (float.IsInfinity(v)) return v > 0 ? "inf" : "-inf";
            if (!_scientific)   // each value with its own shortest digits; Format pads the columns with spaces
            {
                int digits = ShortestDigits(v);
                return v.ToString("F" + digits, CultureInfo.InvariantCulture) + (digits == 0 ? "." : "");
            }
            string[] parts = v.ToString("E" + _digits, CultureInfo.InvariantCulture).Split('E');   // "1.5", "-005"
            int exponent = int.Parse(parts[1], CultureInfo.InvariantCulture);
            return parts[0] + (_digits == 0 ? "." : "") + ExponentText(exponent);
        }
    }
}
