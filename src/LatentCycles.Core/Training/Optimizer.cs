using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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
    /// One ascent step θ'_j = θ_j + lr_j·step(gradient)_j, each parameter with its own learning rate, written into
    /// <paramref name="next"/>; returns the state after it.
    /// Neither this state nor <paramref name="theta"/> changes: a checkpoint may still be writing them. Compiled fully
    /// optimized from the first call: it runs once a round, so the runtime would otherwise keep a slower first version
    /// for many rounds (docs/PERFORMANCE.md, "Compilation").
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public OptimizerState Step(OptimizerKind kind, ReadOnlySpan<double> learningRates, ReadOnlySpan<double> theta,
        ReadOnlySpan<double> gradient, Span<double> next)
    {
        const double epsilon = 1e-8;
        if (gradient.Length != theta.Length || next.Length != theta.Length || SecondMoment.Length != theta.Length ||
            learningRates.Length != theta.Length)
            throw new ArgumentException("parameters, gradient, learning rates and optimizer state differ in length");
        var t = Steps + 1;
        var v = new double[theta.Length];
        switch (kind)
        {
            // Four parameters at a time, each with the scalar expression's operations in its order (IEEE square root and
            // division are exact roundings in both forms), so the bits are those of the scalar loop.
            case OptimizerKind.RmsProp:
            {
                var j = 0;
                if (Vector256.IsHardwareAccelerated)
                    for (; j + 4 <= theta.Length; j += 4)
                    {
                        var g = Vector256.Create(gradient.Slice(j, 4));
                        var vj = Vector256.Create(0.9) * Vector256.Create(SecondMoment.AsSpan(j, 4)) + Vector256.Create(0.1) * g * g;
                        vj.CopyTo(v.AsSpan(j, 4));
                        var step = Vector256.Create(learningRates.Slice(j, 4)) * g / (Vector256.Sqrt(vj) + Vector256.Create(epsilon));
                        (Vector256.Create(theta.Slice(j, 4)) + step).CopyTo(next.Slice(j, 4));
                    }
                for (; j < theta.Length; j++)
                {
                    v[j] = 0.9 * SecondMoment[j] + 0.1 * gradient[j] * gradient[j];
                    next[j] = theta[j] + learningRates[j] * gradient[j] / (Math.Sqrt(v[j]) + epsilon);
                }
                return new OptimizerState(t, FirstMoment, v);
            }
            case OptimizerKind.Adam:
            {
                const double beta1 = 0.9, beta2 = 0.999;
                var c1 = 1 - Math.Pow(beta1, t);
                var c2 = 1 - Math.Pow(beta2, t);
                var m = new double[theta.Length];
                var j = 0;
                if (Vector256.IsHardwareAccelerated)
                    for (; j + 4 <= theta.Length; j += 4)
                    {
                        var g = Vector256.Create(gradient.Slice(j, 4));
                        var mj = Vector256.Create(beta1) * Vector256.Create(FirstMoment.AsSpan(j, 4)) + Vector256.Create(1 - beta1) * g;
                        var vj = Vector256.Create(beta2) * Vector256.Create(SecondMoment.AsSpan(j, 4)) + Vector256.Create(1 - beta2) * g * g;
                        mj.CopyTo(m.AsSpan(j, 4));
                        vj.CopyTo(v.AsSpan(j, 4));
                        var step = Vector256.Create(learningRates.Slice(j, 4)) * (mj / Vector256.Create(c1))
                            / (Vector256.Sqrt(vj / Vector256.Create(c2)) + Vector256.Create(epsilon));
                        (Vector256.Create(theta.Slice(j, 4)) + step).CopyTo(next.Slice(j, 4));
                    }
                for (; j < theta.Length; j++)
                {
                    m[j] = beta1 * FirstMoment[j] + (1 - beta1) * gradient[j];
                    v[j] = beta2 * SecondMoment[j] + (1 - beta2) * gradient[j] * gradient[j];
                    next[j] = theta[j] + learningRates[j] * (m[j] / c1) / (Math.Sqrt(v[j] / c2) + epsilon);
                }
                return new OptimizerState(t, m, v);
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }
}
