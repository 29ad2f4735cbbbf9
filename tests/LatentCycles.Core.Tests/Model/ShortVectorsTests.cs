using LatentCycles.Core.Model;

namespace LatentCycles.Core.Tests.Model;

public class ShortVectorsTests
{
    /// <summary>
    /// Rows of 16 (two 512-bit registers where those are fast), of 12 (three 256-bit registers) and of 8 (the general
    /// path), with a row selected twice.
    /// </summary>
    [Theory]
    [InlineData(16)]
    [InlineData(12)]
    [InlineData(8)]
    public void Selected_rows_get_the_source_added_once_per_selection(int stride)
    {
        const int rowCount = 5;
        var rows = Enumerable.Range(0, rowCount * stride).Select(v => 0.5 * v).ToArray();
        var source = Enumerable.Range(0, stride).Select(j => 1.0 + j).ToArray();
        int[] selected = [3, 0, 3];

        var expected = (double[])rows.Clone();
        foreach (var i in selected)
            for (var j = 0; j < stride; j++) expected[i * stride + j] += source[j];
        ShortVectors.AddToSelectedRows(rows, stride, source, selected);

        Assert.Equal(expected, rows);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(-1)]
    public void A_selected_row_outside_the_rows_is_refused_before_anything_is_added(int outside)
    {
        var rows = new double[5 * 4];
        Assert.Throws<ArgumentOutOfRangeException>(() => ShortVectors.AddToSelectedRows(rows, 4, new double[4] { 1, 1, 1, 1 }, [0, outside]));
        Assert.All(rows, v => Assert.Equal(0.0, v));
    }
}
