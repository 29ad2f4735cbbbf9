using LatentCycles.Core.Model;

namespace LatentCycles.Core.Training;

/// <summary>Which model is trained: the nonequilibrium model, or the tied-parameter RBM baseline (MODEL.md §6).</summary>
public enum ModelKind { Neq, Rbm }

/// <summary>How the chain phase weights transitions (MODEL.md §3): g = Z(ρ/π) ("exact") or g = ρ/π ("two-step").</summary>
public enum GradientKind { TwoStep, Exact }

/// <summary>
/// The constant subtracted from the chain-phase weights g (MODEL.md §3, "Baselines"): a control variate that leaves the
/// expected gradient unchanged and sets its variance.
/// </summary>
public enum BaselineKind
{
    /// <summary>c = Σ π̂(z) g(z).</summary>
    StationaryMean,

    /// <summary>c = (1/K) Σ g(z).</summary>
    PlainMean,

    /// <summary>One c for all parameters: the g average weighted by the squared score norms of the round's transitions.</summary>
    Optimal,

    /// <summary>The same for each block W, b and L separately.</summary>
    OptimalPerBlock,
}

public enum OptimizerKind { RmsProp, Adam }

/// <summary>How the learning rate falls with the rounds (MODEL.md §3, "Update"); τ is <see cref="TrainingConfig.LearningRateTimeConstant"/>.</summary>
public enum LearningRateSchedule
{
    /// <summary>The same rate at every round.</summary>
    Constant,

    /// <summary>The rate times 1/√(1 + t/τ) at round t.</summary>
    InverseSqrt,

    /// <summary>The rate times τ/(τ + t) at round t.</summary>
    Inverse,
}

/// <summary>
/// Everything that determines a training run's result. Two runs with equal configurations (and data)
/// produce bit-identical parameters, whatever the number of threads or processes.
/// </summary>
public sealed record TrainingConfig
{
    public int K { get; init; } = 10;
    public int Chains { get; init; } = 2000;
    public int Rounds { get; init; } = 2000;
    public int Sweeps { get; init; } = 1;

    /// <summary>
    /// The encoder's rate at round 0; with the default schedule it falls to about 0.002 by round 2000 (MODEL.md §3, "Update").
    /// </summary>
    public double LearningRate { get; init; } = 0.0045;

    /// <summary>
    /// The decoder's L learns at <see cref="LearningRate"/> times this; W and b at <see cref="LearningRate"/>
    /// (MODEL.md §3, "Update": why the decoder may take larger steps than the encoder).
    /// </summary>
    public double DecoderLearningRateScale { get; init; } = 3;

    /// <summary>How every block's rate falls with the rounds; the decoder's stays <see cref="DecoderLearningRateScale"/> times the encoder's.</summary>
    public LearningRateSchedule LearningRateSchedule { get; init; } = LearningRateSchedule.InverseSqrt;

    /// <summary>τ of <see cref="LearningRateSchedule"/>, in rounds: the round by which the falling rates have halved (inverse) or fallen by √2 (inverse-sqrt).</summary>
    public double LearningRateTimeConstant { get; init; } = 500;

    /// <summary>Adam by default: the settings RMSprop was measured with leave some seeds' chains sticky (MODEL.md §3, "Update").</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;
    public GradientKind Gradient { get; init; } = GradientKind.TwoStep;

    /// <summary>The default has the lowest measured gradient variance (MODEL.md §3, "Baselines").</summary>
    public BaselineKind Baseline { get; init; } = BaselineKind.OptimalPerBlock;

    /// <summary>Standard deviation of the Gaussian noise added to the initial W and L (MODEL.md §3, "Initialization").</summary>
    public double InitNoise { get; init; } = 0.01;

    /// <summary>α of the initial decoder logits log((m_i + α)/(1 − m_i + α)) from the training pixel means m_i.</summary>
    public double DecoderSmoothing { get; init; } = 0.01;
    public ModelKind Model { get; init; } = ModelKind.Neq;
    public ulong Seed { get; init; } = 1;
    public int MinibatchSize { get; init; } = 500;

    /// <summary>Chains per block: the unit of work handed to threads and nodes, and of ordered reduction.</summary>
    public int BlockSize { get; init; } = 256;

    /// <summary>Blocks of <see cref="BlockSize"/> chains, the last one partial (written so that no sum can overflow).</summary>
    public int BlockCount => (Chains - 1) / BlockSize + 1;

    /// <summary>The most chains a run may have: one byte of state each, and a round must stay within memory and time.</summary>
    public const int MaxChains = 10_000_000;

    /// <summary>The most sweeps per round: a round of the most chains must end well within the round timeout.</summary>
    public const int MaxSweeps = 10_000;

    /// <summary>The factor <see cref="LearningRateSchedule"/> applies to every rate in the step from round <paramref name="round"/> to the next.</summary>
    public double LearningRateFactor(int round) => LearningRateSchedule switch
    {
        LearningRateSchedule.Constant => 1,
        LearningRateSchedule.InverseSqrt => 1 / Math.Sqrt(1 + round / LearningRateTimeConstant),
        LearningRateSchedule.Inverse => LearningRateTimeConstant / (LearningRateTimeConstant + round),
        _ => throw new ArgumentOutOfRangeException(nameof(LearningRateSchedule)),
    };

    /// <summary>
    /// The learning rate of every parameter in the step from round <paramref name="round"/> to the next, laid out as the
    /// parameters (<see cref="ParameterLayout"/>): W and b at <see cref="LearningRate"/>, L at <see cref="LearningRate"/> ×
    /// <see cref="DecoderLearningRateScale"/>, both times <see cref="LearningRateFactor"/>.
    /// </summary>
    public double[] LearningRates(int pixels, int round)
    {
        var layout = new ParameterLayout(K, pixels);
        var rates = new double[layout.Length];
        var blocks = BlockLearningRates(round);
        rates.AsSpan().Fill(blocks.Encoder);
        layout.L(rates.AsSpan()).Fill(blocks.Decoder);
        return rates;
    }

    /// <summary>The two rates of <see cref="LearningRates"/>: W and b's, and L's.</summary>
    public BlockLearningRates BlockLearningRates(int round)
    {
        var encoder = LearningRate * LearningRateFactor(round);
        return new BlockLearningRates(encoder, encoder * DecoderLearningRateScale);
    }

    /// <summary>First chain id and number of chains of block b.</summary>
    public (int FirstChain, int Count) Block(int b)
    {
        var first = b * BlockSize;
        return (first, Math.Min(BlockSize, Chains - first));
    }

    /// <summary>Throws <see cref="ArgumentException"/> with a one-line message for the first invalid setting.</summary>
    public void Validate()
    {
        if (K < 2 || K > MaxStates) throw new ArgumentException($"K must be between 2 and {MaxStates}, got {K}");
        if (Chains is < 1 or > MaxChains) throw new ArgumentException($"the number of chains must be between 1 and {MaxChains}, got {Chains}");
        if (Rounds < 0) throw new ArgumentException($"the number of rounds must not be negative, got {Rounds}");
        if (Sweeps is < 1 or > MaxSweeps) throw new ArgumentException($"the number of sweeps must be between 1 and {MaxSweeps}, got {Sweeps}");
        if (!double.IsFinite(LearningRate) || LearningRate <= 0) throw new ArgumentException($"the learning rate must be a positive number, got {LearningRate}");
        if (!double.IsFinite(DecoderLearningRateScale) || DecoderLearningRateScale <= 0)
            throw new ArgumentException($"the decoder learning-rate scale must be a positive number, got {DecoderLearningRateScale}");
        if (!double.IsFinite(LearningRateTimeConstant) || LearningRateTimeConstant <= 0)
            throw new ArgumentException($"the learning-rate time constant must be a positive number of rounds, got {LearningRateTimeConstant}");
        if (MinibatchSize < 1) throw new ArgumentException($"the minibatch size must be at least 1, got {MinibatchSize}");
        if (!double.IsFinite(InitNoise) || InitNoise < 0) throw new ArgumentException($"the initialization noise must be a non-negative number, got {InitNoise}");
        if (!double.IsFinite(DecoderSmoothing) || DecoderSmoothing <= 0 || DecoderSmoothing > 1)
            throw new ArgumentException($"the decoder smoothing must be a number in (0, 1], got {DecoderSmoothing}");
        if (BlockSize < 1) throw new ArgumentException($"the block size must be at least 1, got {BlockSize}");
        if (Model == ModelKind.Rbm && Gradient == GradientKind.Exact)
            throw new ArgumentException("the RBM baseline trains by persistent contrastive divergence; --gradient applies to the neq model only");
    }

    private const int MaxStates = ModelParameters.MaxStates;
}

/// <summary>The learning rates of one step: <paramref name="Encoder"/> for W and b, <paramref name="Decoder"/> for L.</summary>
public readonly record struct BlockLearningRates(double Encoder, double Decoder);
