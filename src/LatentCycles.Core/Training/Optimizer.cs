namespace LatentCycles.Core.Training;

/// <summary>
/// Gradient-ascent optimizers (MODEL.md §3, "Update"): RMSprop (decay 0.9, ε 1e-8) and Adam (0.9, 0.999, ε 1e-8).
/// The state is plain arrays so a checkpoint restores it exactly.
/// </summary>
public sealed class OptimizerState
{
    public OptimizerState(int length) : this(0, new double[length], new double[length]) { }

    public OptimizerState(long steps, double[] first, double[] second)
    {
        if (first.Length != second.Length) throw new ArgumentException("optimizer moments differ in length");
        Steps = steps;
        FirstMoment = first;
        SecondMoment = second;
    }

    public long Steps { get; }

    /// <summary>Adam's running mean of the gradient (unused by RMSprop).</summary>
    public double[] FirstMoment { get; }

    /// <summary>Running mean of the squared gradient.</summary>
    public double[] SecondMoment { get; }

    public OptimizerState Clone() => new(Steps, (double[])FirstMoment.Clone(), (double[])SecondMoment.Clone());

    /// <summary>
    /// Returns the state after one ascent step θ_j ← θ_j + lr_j·step(gradient)_j, applied to <paramref name="theta"/> in place,
    /// with each parameter's own learning rate.
    /// </summary>
    public OptimizerState Step(OptimizerKind kind, ReadOnlySpan<double> learningRates, Span<double> theta, ReadOnlySpan<double> gradient)
    {
        if (learningRates.Length != theta.Length) throw new ArgumentException("one learning rate per parameter is needed");
        const double epsilon = 1e-8;
        var m = (double[])FirstMoment.Clone();
        var v = (double[])SecondMoment.Clone();
        var t = Steps + 1;
        switch (kind)
        {
            case OptimizerKind.RmsProp:
                for (var j = 0; j < theta.Length; j++)
                {
                    v[j] = 0.9 * v[j] + 0.1 * gradient[j] * gradient[j];
                    theta[j] += learningRates[j] * gradient[j] / (Math.Sqrt(v[j]) + epsilon);
                }
                break;
            case OptimizerKind.Adam:
                const double beta1 = 0.9, beta2 = 0.999;
                var c1 = 1 - Math.Pow(beta1, t);
                var c2 = 1 - Math.Pow(beta2, t);
                for (var j = 0; j < theta.Length; j++)
                {
                    m[j] = beta1 * m[j] + (1 - beta1) * gradient[j];
                    v[j] = beta2 * v[j] + (1 - beta2) * gradient[j] * gradient[j];
                    theta[j] += learningRates[j] * (m[j] / c1) / (Math.Sqrt(v[j] / c2) + epsilon);
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
        return new OptimizerState(t, m, v);
    }
}
