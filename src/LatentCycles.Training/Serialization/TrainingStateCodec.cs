using System.Runtime.InteropServices;
using System.Text;
using LatentCycles.Core.Model;
using LatentCycles.Core.Training;

namespace LatentCycles.Training.Serialization;

/// <summary>Raised when bytes that should hold a checkpoint do not.</summary>
public sealed class CheckpointFormatException(string message) : Exception(message);

/// <summary>
/// A compact, exact binary form of <see cref="TrainingState"/> and <see cref="TrainingConfig"/> (little-endian,
/// doubles bit for bit): what snapshots persist and what crosses the wire. Versioned by a magic string.
/// </summary>
public static class TrainingStateCodec
{
    private const string StateMagic = "LCSTATE4";
    private const string ConfigMagic = "LCCONFG4";

    public static byte[] Encode(TrainingState state)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Encoding.ASCII.GetBytes(StateMagic));
            WriteConfig(w, state.Config);
            w.Write(state.Round);
            w.Write(state.Parameters.N);
            WriteParameterBlocks(w, state.Parameters);
            w.Write(state.Optimizer.Steps);
            WriteArray(w, state.Optimizer.FirstMoment);
            WriteArray(w, state.Optimizer.SecondMoment);
            w.Write(state.ChainStates.Length);
            w.Write(state.ChainStates);
        }
        return stream.ToArray();
    }

    public static TrainingState Decode(ReadOnlySpan<byte> bytes)
    {
        try
        {
            using var r = new BinaryReader(new MemoryStream(bytes.ToArray()));
            var config = ReadConfig(r, ExpectMagic(r, StateMagic, "checkpoint"));
            var round = r.ReadInt32();
            var n = r.ReadInt32();
            var parameters = ReadParameterBlocks(r, config.K, n);
            var steps = r.ReadInt64();
            var m = ReadArray(r, parameters.Length);
            var v = ReadArray(r, parameters.Length);
            // A trainer never stores a diverged state, so a non-finite value is damage, which no reader may compute with.
            if (!parameters.IsFinite() || !m.All(double.IsFinite) || !v.All(double.IsFinite))
                throw new CheckpointFormatException($"checkpoint of round {round} holds non-finite parameters or optimizer moments (NaN or infinity)");
            var chains = r.ReadInt32();
            if (chains != config.Chains) throw new CheckpointFormatException($"checkpoint holds {chains} chain states for {config.Chains} chains");
            var states = r.ReadBytes(chains);
            if (states.Length != chains) throw new EndOfStreamException();
            if (r.BaseStream.Position != r.BaseStream.Length) throw new CheckpointFormatException("checkpoint has trailing bytes");
            return new TrainingState(config, round, parameters, new OptimizerState(steps, m, v), states);
        }
        catch (EndOfStreamException)
        {
            throw new CheckpointFormatException("checkpoint is truncated");
        }
        catch (ArgumentException e)
        {
            throw new CheckpointFormatException($"checkpoint is inconsistent: {e.Message}");
        }
    }

    public static byte[] EncodeConfig(TrainingConfig config)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Encoding.ASCII.GetBytes(ConfigMagic));
            WriteConfig(w, config);
        }
        return stream.ToArray();
    }

    public static TrainingConfig DecodeConfig(ReadOnlySpan<byte> bytes)
    {
        try
        {
            using var r = new BinaryReader(new MemoryStream(bytes.ToArray()));
            return ReadConfig(r, ExpectMagic(r, ConfigMagic, "configuration"));
        }
        catch (EndOfStreamException)
        {
            throw new CheckpointFormatException("configuration is truncated");
        }
    }

    private static void WriteConfig(BinaryWriter w, TrainingConfig c)
    {
        w.Write(c.K);
        w.Write(c.Chains);
        w.Write(c.Rounds);
        w.Write(c.Sweeps);
        w.Write(c.LearningRate);
        w.Write((int)c.Optimizer);
        w.Write((int)c.Gradient);
        w.Write((int)c.Model);
        w.Write(c.Seed);
        w.Write(c.MinibatchSize);
        w.Write(c.BlockSize);
        w.Write((int)c.Baseline);
        w.Write(c.InitNoise);
        w.Write(c.DecoderSmoothing);
        w.Write(c.DecoderLearningRateScale);
        w.Write((int)c.LearningRateSchedule);
        w.Write(c.LearningRateTimeConstant);
    }

    /// <summary>
    /// Format 2 predates the decoder's own learning rate: its runs trained every block at the one rate, scale 1. Formats 2
    /// and 3 predate the learning-rate schedule: their runs kept the rate constant.
    /// </summary>
    private static TrainingConfig ReadConfig(BinaryReader r, char format)
    {
        var config = new TrainingConfig
        {
            K = r.ReadInt32(),
            Chains = r.ReadInt32(),
            Rounds = r.ReadInt32(),
            Sweeps = r.ReadInt32(),
            LearningRate = r.ReadDouble(),
            Optimizer = ReadEnum<OptimizerKind>(r),
            Gradient = ReadEnum<GradientKind>(r),
            Model = ReadEnum<ModelKind>(r),
            Seed = r.ReadUInt64(),
            MinibatchSize = r.ReadInt32(),
            BlockSize = r.ReadInt32(),
            Baseline = ReadEnum<BaselineKind>(r),
            InitNoise = r.ReadDouble(),
            DecoderSmoothing = r.ReadDouble(),
            DecoderLearningRateScale = format == '2' ? 1.0 : r.ReadDouble(),
        };
        if (format is '2' or '3') return config with { LearningRateSchedule = LearningRateSchedule.Constant };
        return config with { LearningRateSchedule = ReadEnum<LearningRateSchedule>(r), LearningRateTimeConstant = r.ReadDouble() };
    }

    private static T ReadEnum<T>(BinaryReader r) where T : struct, Enum
    {
        var v = r.ReadInt32();
        return Enum.IsDefined(typeof(T), v) ? (T)(object)v : throw new CheckpointFormatException($"unknown {typeof(T).Name} {v}");
    }

    /// <summary>
    /// The format's version digit. Format 1 lacks the baseline and initialization settings, whose values then cannot be
    /// told now that their defaults have changed: its runs are refused rather than continued differently. Formats 2 and 3
    /// lack settings whose values then were fixed (<see cref="ReadConfig"/>).
    /// </summary>
    private static char ExpectMagic(BinaryReader r, string magic, string what)
    {
        var found = Encoding.ASCII.GetString(r.ReadBytes(magic.Length));
        var sameKind = found.Length == magic.Length && found[..^1] == magic[..^1];
        if (sameKind && found[^1] == '1')
            throw new CheckpointFormatException($"this {what} was written by an earlier version of latentcycles (format {found}, before the settings it lacks became defaults); start a new run");
        if (found != magic && !(sameKind && found[^1] is '2' or '3')) throw new CheckpointFormatException($"not a LatentCycles {what} (wrong magic)");
        return found[^1];
    }

    /// <summary>W, b and L as three length-prefixed arrays: the form checkpoints and messages have always had.</summary>
    public static void WriteParameterBlocks(BinaryWriter w, ModelParameters p)
    {
        WriteArray(w, p.W);
        WriteArray(w, p.B);
        WriteArray(w, p.L);
    }

    public static ModelParameters ReadParameterBlocks(BinaryReader r, int k, int n)
    {
        // Sizes from damaged bytes must not allocate before the bytes are known to be there.
        if (k > 0 && n > 0 && (2L * k * n + k) * sizeof(double) > r.BaseStream.Length - r.BaseStream.Position)
            throw new EndOfStreamException();
        var p = new ModelParameters(k, n);
        ReadArray(r, p.W);
        ReadArray(r, p.B);
        ReadArray(r, p.L);
        return p;
    }

    public static void WriteArray(BinaryWriter w, ReadOnlySpan<double> a)
    {
        w.Write(a.Length);
        if (BitConverter.IsLittleEndian) w.Write(MemoryMarshal.AsBytes(a));
        else foreach (var v in a) w.Write(v);
    }

    public static double[] ReadArray(BinaryReader r, int expectedLength)
    {
        var a = new double[expectedLength];
        ReadArray(r, a);
        return a;
    }

    /// <summary>Reads a length-prefixed array whose length must be that of <paramref name="into"/>.</summary>
    private static void ReadArray(BinaryReader r, Span<double> into)
    {
        var length = r.ReadInt32();
        if (length != into.Length) throw new CheckpointFormatException($"array of {length} values where {into.Length} were expected");
        if (BitConverter.IsLittleEndian) r.BaseStream.ReadExactly(MemoryMarshal.AsBytes(into));
        else for (var j = 0; j < into.Length; j++) into[j] = r.ReadDouble();
    }
}
