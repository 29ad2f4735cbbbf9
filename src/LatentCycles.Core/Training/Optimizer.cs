using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using LatentCycles.Core.Model;

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
    /// Neither this state nor <paramref name="theta"/> changes: a checkpoint may still be writing them.
    /// </summary>
    public OptimizerState Step(OptimizerKind kind, ReadOnlySpan<double> learningRates, ReadOnlySpan<double> theta,
        ReadOnlySpan<double> gradient, Span<double> next)
    {
        if (learningRates.Length != theta.Length)
            throw new ArgumentException("parameters, gradient, learning rates and optimizer state differ in length");
        return Step(kind, new EachRate(learningRates), theta, gradient, next);
    }

    /// <summary>
    /// The same step with the rates of a round (<see cref="TrainingConfig.BlockLearningRates"/>): W and b at the
    /// encoder's rate, L at the decoder's, without a vector of rates to fill and read (the same numbers, the same bits).
    /// </summary>
    public OptimizerState Step(OptimizerKind kind, BlockLearningRates rates, ParameterLayout layout, ReadOnlySpan<double> theta,
        ReadOnlySpan<double> gradient, Span<double> next)
    {
        if (layout.Length != theta.Length) throw new ArgumentException("the layout does not match the parameters");
        return Step(kind, new RatesByBlock(rates, layout.DecoderStart), theta, gradient, next);
    }

    /// <summary>The learning rate of parameter j, one at a time and four at a time.</summary>
    private interface IRates
    {
        double At(int j);
        Vector256<double> FourAt(int j);
    }

    private readonly ref struct EachRate(ReadOnlySpan<double> rates) : IRates
    {
        private readonly ReadOnlySpan<double> _rates = rates;
        public double At(int j) => _rates[j];
        public Vector256<double> FourAt(int j) => Vector256.Create(_rates.Slice(j, 4));
    }

    /// <summary>The encoder's rate before <paramref name="decoderStart"/>, the decoder's from it on (L is the last block).</summary>
    private readonly struct RatesByBlock(BlockLearningRates rates, int decoderStart) : IRates
    {
        public double At(int j) => j < decoderStart ? rates.Encoder : rates.Decoder;

        public Vector256<double> FourAt(int j) =>
            j + 4 <= decoderStart ? Vector256.Create(rates.Encoder)
            : j >= decoderStart ? Vector256.Create(rates.Decoder)
            : Vector256.Create(At(j), At(j + 1), At(j + 2), At(j + 3));
    }

    /// <summary>
    /// Compiled fully optimized from the first call: it runs once a round, so the runtime would otherwise keep a slower
    /// first version for many rounds (docs/PERFORMANCE.md, "Compilation").
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private OptimizerState Step<TRates>(OptimizerKind kind, TRates learningRates, ReadOnlySpan<double> theta,
        ReadOnlySpan<double> gradient, Span<double> next) where TRates : IRates, allows ref struct
    {
        const double epsilon = 1e-8;
        if (gradient.Length != theta.Length || next.Length != theta.Length || SecondMoment.Length != theta.Length)
            throw new ArgumentException("parameters, gradient, learning rates and optimizer state differ in length");
        var t = Steps + 1;
        // Every element of the new moments and of next is written below: none needs zeroing first.
        var v = GC.AllocateUninitializedArray<double>(theta.Length);
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
                        var step = learningRates.FourAt(j) * g / (Vector256.Sqrt(vj) + Vector256.Create(epsilon));
                        (Vector256.Create(theta.Slice(j, 4)) + step).CopyTo(next.Slice(j, 4));
                    }
                for (; j < theta.Length; j++)
                {
                    v[j] = 0.9 * SecondMoment[j] + 0.1 * gradient[j] * gradient[j];
                    next[j] = theta[j] + learningRates.At(j) * gradient[j] / (Math.Sqrt(v[j]) + epsilon);
                }
                return new OptimizerState(t, FirstMoment, v);
            }
            case OptimizerKind.Adam:
            {
                const double beta1 = 0.9, beta2 = 0.999;
                var c1 = 1 - Math.Pow(beta1, t);
                var c2 = 1 - Math.Pow(beta2, t);
                var m = GC.AllocateUninitializedArray<double>(theta.Length);
                var j = 0;
                if (Vector256.IsHardwareAccelerated)
                    for (; j + 4 <= theta.Length; j += 4)
                    {
                        var g = Vector256.Create(gradient.Slice(j, 4));
                        var mj = Vector256.Create(beta1) * Vector256.Create(FirstMoment.AsSpan(j, 4)) + Vector256.Create(1 - beta1) * g;
                        var vj = Vector256.Create(beta2) * Vector256.Create(SecondMoment.AsSpan(j, 4)) + Vector256.Create(1 - beta2) * g * g;
                        mj.CopyTo(m.AsSpan(j, 4));
                        vj.CopyTo(v.AsSpan(j, 4));
                        var step = learningRates.FourAt(j) * (mj / Vector256.Create(c1))
                            / (Vector256.Sqrt(vj / Vector256.Create(c2)) + Vector256.Create(epsilon));
                        (Vector256.Create(theta.Slice(j, 4)) + step).CopyTo(next.Slice(j, 4));
                    }
                for (; j < theta.Length; j++)
                {
                    m[j] = beta1 * FirstMoment[j] + (1 - beta1) * gradient[j];
                    v[j] = beta2 * SecondMoment[j] + (1 - beta2) * gradient[j] * gradient[j];
                    next[j] = theta[j] + learningRates.At(j) * (m[j] / c1) / (Math.Sqrt(v[j] / c2) + epsilon);
                }
                return new OptimizerState(t, m, v);
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }
}
