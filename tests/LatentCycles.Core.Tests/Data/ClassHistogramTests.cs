using LatentCycles.Core.Evaluation;

namespace LatentCycles.Core.Tests.Data;

public class ClassHistogramTests
{
    [Fact]
    public void Identical_histograms_have_zero_divergence()
    {
        Assert.Equal(0.0, ClassHistogram.KlDivergence([5, 0, 12, 3], [5, 0, 12, 3]), 15);
    }

    [Fact]
    public void Histograms_of_the_same_shape_but_different_totals_have_small_divergence()
    {
        Assert.InRange(ClassHistogram.KlDivergence([100, 200, 300], [1000, 2000, 3000]), 0, 1e-3);
    }

    [Fact]
    public void Disjoint_histograms_have_finite_divergence_from_the_pseudo_count()
    {
        // Smoothed: p = (10.5, 0.5)/11, q = (0.5, 10.5)/11, so KL = (10/11)·ln 21.
        Assert.Equal(10.0 / 11.0 * Math.Log(21), ClassHistogram.KlDivergence([10, 0], [0, 10]), 12);
    }

    [Fact]
    public void Divergence_is_measured_from_the_data_side()
    {
        // Smoothed: p = (3.5, 1.5)/5, q = (1.5, 1.5)/3.
        var expected = 0.7 * Math.Log(0.7 / 0.5) + 0.3 * Math.Log(0.3 / 0.5);
        Assert.Equal(expected, ClassHistogram.KlDivergence([3, 1], [1, 1]), 12);
        Assert.NotEqual(expected, ClassHistogram.KlDivergence([1, 1], [3, 1]), 6);
    }

    [Fact]
    public void Integer_counts_give_the_same_divergence()
    {
        Assert.Equal(ClassHistogram.KlDivergence([7.0, 2, 0], [1.0, 4, 4]), ClassHistogram.KlDivergence([7, 2, 0], [1, 4, 4]));
    }

    [Fact]
    public void Histograms_of_different_lengths_are_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() => ClassHistogram.KlDivergence([1.0, 2], [1.0, 2, 3]));
        Assert.Contains("2 and 3 classes", error.Message);
    }

    [Fact]
    public void Negative_counts_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => ClassHistogram.KlDivergence([1.0, -2], [1.0, 2]));
    }
}
