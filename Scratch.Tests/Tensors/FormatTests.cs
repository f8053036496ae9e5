using Scratch.Tensors;

namespace Scratch.Tests.Tensors;

/// <summary>Expected strings are NumPy 1.24's <c>str()</c> of the same float32 arrays.</summary>
public class FormatTests
{
    [Test]
    public void ToString_PrintsLikeNumPy()
    {
        Assert.Multiple(() =>
        {
            Assert.That(NDArray.Arange(6).Reshape(2, 3).ToString(), Is.EqualTo("[[0. 1. 2.]\n [3. 4. 5.]]"));
            Assert.That(NDArray.FromArray([0.1f, 0.25f, -1.5f]).ToString(), Is.EqualTo("[ 0.1   0.25 -1.5 ]"));
            Assert.That(NDArray.FromArray([1f / 3]).ToString(), Is.EqualTo("[0.33333334]"));
            Assert.That(NDArray.Scalar(2.5f).ToString(), Is.EqualTo("2.5"));
            Assert.That(new[] { 3f, 0.1f, 1e-5f, 1.5e-5f, 1e20f, 123456789f, -0f, float.NaN, float.NegativeInfinity, 1f / 3, 1e16f, 1234567f, 0.0001f, -12.25f, 0.00011f, 5e15f }
                .Select(v => NDArray.Scalar(v).ToString()),
                Is.EqualTo(new[] { "3.0", "0.1", "1e-05", "1.5e-05", "1e+20", "123456790.0", "-0.0", "nan", "-inf", "0.33333334", "1e+16", "1234567.0", "1e-04", "-12.25", "0.00011", "5000000000000000.0" }));
            Assert.That(NDArray.FromArray([float.NaN, 1f, float.NegativeInfinity]).ToString(), Is.EqualTo("[ nan   1. -inf]"));
            Assert.That(NDArray.FromArray([1e-5f, 1000f]).ToString(), Is.EqualTo("[1.e-05 1.e+03]"));
            Assert.That(NDArray.FromArray([1.5e-5f, 1000f]).ToString(), Is.EqualTo("[1.5e-05 1.0e+03]"));
            Assert.That(NDArray.Arange(8).Reshape(2, 2, 2).ToString(), Is.EqualTo("[[[0. 1.]\n  [2. 3.]]\n\n [[4. 5.]\n  [6. 7.]]]"));
            Assert.That(NDArray.Zeros(0).ToString(), Is.EqualTo("[]"));
            Assert.That(NDArray.FromArray([0.001f, 1f]).ToString(), Is.EqualTo("[0.001 1.   ]"));
            Assert.That(NDArray.FromArray([-0f, 1f]).ToString(), Is.EqualTo("[-0.  1.]"));
            Assert.That(NDArray.FromArray([123456.7f, 1f]).ToString(), Is.EqualTo("[1.234567e+05 1.000000e+00]"));
        });
    }

    [Test]
    public void ToString_ElidesLargeArrays()
    {
        // 1999 / 1 > 1e3, so NumPy switches to scientific notation as well.
        Assert.That(NDArray.Arange(2000).ToString(), Is.EqualTo("[0.000e+00 1.000e+00 2.000e+00 ... 1.997e+03 1.998e+03 1.999e+03]"));
        Assert.That(NDArray.Arange(1000, 3000).Reshape(1000, 2).ToString(),
            Is.EqualTo("[[1000. 1001.]\n [1002. 1003.]\n [1004. 1005.]\n ...\n [2994. 2995.]\n [2996. 2997.]\n [2998. 2999.]]"));
    }

    [Test]
    public void ToString_WrapsLongRowsAt75Columns()
    {
        string text = NDArray.Arange(30).ToString();
        Assert.That(text, Is.EqualTo("[ 0.  1.  2.  3.  4.  5.  6.  7.  8.  9. 10. 11. 12. 13. 14. 15. 16. 17.\n 18. 19. 20. 21. 22. 23. 24. 25. 26. 27. 28. 29.]"));
    }

    [Test]
    public void ToString_OfView_PrintsLogicalOrder()
    {
        Assert.That(NDArray.Arange(6).Reshape(2, 3).T.ToString(), Is.EqualTo("[[0. 3.]\n [1. 4.]\n [2. 5.]]"));
    }

    [Test]
    public void Describe_ShowsTheLayout()
    {
        var view = NDArray.Arange(30).Reshape(5, 6).Slice(0, 1, 4).Slice(1, 2, 6);
        string text = view.Describe();
        Assert.Multiple(() =>
        {
            Assert.That(text, Does.Contain("storage : float[30]"));
            Assert.That(text, Does.Contain("shape   : (3, 4)"));
            Assert.That(text, Does.Contain("strides : (6, 1)"));
            Assert.That(text, Does.Contain("offset  : 8"));
            Assert.That(text, Does.Contain("contiguous: no"));
        });
    }
}
