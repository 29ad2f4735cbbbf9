using System.Runtime.CompilerServices;
using LatentCycles.Core.Model;
using LatentCycles.Core.Random;

using LatentCycles.Core.Chains;

namespace LatentCycles.Core.Tests.Chains;

/// <summary>
/// The readable scalar chain sweep (MODEL.md §1, §3) kept as the oracle: the optimized
/// <see cref="ChainSweeper"/> must give bit-identical states and statistics.
/// </summary>
internal sealed class ReferenceChainSweeper
{
    private readonly int _k, _n;
    private readonly int[] _active;
    private readonly double[] _logits;
    private readonly double[] _probabilities;

    public ReferenceChainSweeper(int k, int n)
    {
        _k = k;
        _n = n;
        _active = new int[n];
        _logits = new double[k];
        _probabilities = new double[k];
    }

    /// <summary>
    /// Advances each chain of a block <paramref name="sweeps"/> steps. <paramref name="states"/> holds the
    /// latent state of chains <paramref name="firstChainId"/>, … on entry and their new states on return.
    /// Chain c's draws in sweep s of round r come from the stream (seed, Chain, c, r, s): the pixel blocks, then one block
    /// whose first word draws z.
    /// </summary>
    public void Advance(PreparedParameters prepared, ulong seed, uint round, int firstChainId, Span<byte> states,
        int sweeps, ChainStatistics statistics)
    {
        if (prepared.K != _k || prepared.N != _n || statistics.K != _k || statistics.N != _n)
            throw new ArgumentException("sweeper, parameters and statistics differ in shape");
        for (var c = 0; c < states.Length; c++)
        {
            int z = states[c];
            for (var s = 0; s < sweeps; s++)
            {
                var rng = new CounterRandom(seed, StreamPurpose.Chain, (uint)(firstChainId + c), round, (uint)s);
                z = Step(prepared, ref rng, z, statistics);
            }
            states[c] = (byte)z;
        }
        statistics.Transitions += (long)states.Length * sweeps;
    }

    /// <summary>One transition z_{t-1} → x_t → z_t, with its statistics. Returns z_t.</summary>
    private int Step(PreparedParameters prepared, ref CounterRandom rng, int zPrev, ChainStatistics st)
    {
        int k = _k, n = _n;
        var active = SampleVisible(prepared, zPrev, ref rng);
        EncoderProbabilities(prepared, active);
        var p = _probabilities;

        rng.NextBlock(out var u, out _, out _, out _);
        var zNext = ChainSweeper.SampleCategorical(p, u);
        var fixedPoint = new long[k];
        for (var j = 0; j < k; j++) fixedPoint[j] = ChainStatistics.ToFixedPoint(p[j]);

        st.C[zPrev * k + zNext] += 1;
        var pRow = st.P.AsSpan(zPrev * k, k);
        var gp = st.GP.AsSpan(zNext * k, k);
        for (var j = 0; j < k; j++)
        {
            pRow[j] += ChainStatistics.ToKernelFixedPoint(p[j]);
            gp[j] += fixedPoint[j];
        }
        var sx = st.Sx.AsSpan((zPrev * k + zNext) * n, n);
        var g = st.G.AsSpan(zNext * n * k, n * k);
        foreach (var i in active)
        {
            sx[i] += 1;
            var gi = g.Slice(i * k, k);
            for (var j = 0; j < k; j++) gi[j] += fixedPoint[j];
        }
        return zNext;
    }

    /// <summary>
    /// Draws x ~ q(·|z) with logits column z of L; returns the indices of the pixels that are 1. The step's pixel blocks
    /// are drawn first; pixel i's uniform is half h of word w of block j with 128·⌊j/16⌋ + 32·w + 2·(j mod 16) + h = i, and
    /// the pixel is 1 when that 16-bit number is below ⌊σ(L_iz)·2¹⁶⌋ (capped at 2¹⁶ − 1).
    /// </summary>
    private ReadOnlySpan<int> SampleVisible(PreparedParameters prepared, int z, ref CounterRandom rng)
    {
        var n = _n;
        var blocks = PreparedParameters.PixelBlockCount(n);
        var words = new uint[blocks * 4];
        for (var j = 0; j < blocks; j++)
            rng.NextBlock(out words[4 * j], out words[4 * j + 1], out words[4 * j + 2], out words[4 * j + 3]);
        var count = 0;
        for (var i = 0; i < n; i++)
        {
            var batch = i / 128;
            var word = i % 128 / 32;
            var block = 16 * batch + i % 32 / 2;
            var half = i % 2;
            var uniform = (words[4 * block + word] >> (16 * half)) & 0xFFFF;
            var threshold = Math.Min(Math.Floor(Logistic.Sigmoid(prepared.Parameters.L[i * _k + z]) * 65536.0), 65535.0);
            if (uniform < threshold) _active[count++] = i;
        }
        return new ReadOnlySpan<int>(_active, 0, count);
    }

    /// <summary>p(·|x) = softmax(b + Σ_{i active} W[·, i]) into the probability buffer.</summary>
    private void EncoderProbabilities(PreparedParameters prepared, ReadOnlySpan<int> active)
    {
        var k = _k;
        var logits = _logits;
        prepared.Parameters.B.CopyTo(logits);
        var rows = prepared.EncoderRows;
        foreach (var i in active)
        {
            var row = rows.AsSpan(i * k, k);
            for (var j = 0; j < k; j++) logits[j] += row[j];
        }
        Logistic.Softmax(logits, _probabilities);
    }
}
