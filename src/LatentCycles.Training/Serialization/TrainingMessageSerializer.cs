using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Akka.Actor;
using Akka.Serialization;
using LatentCycles.Core.Chains;
using LatentCycles.Core.Evaluation;
using LatentCycles.Core.Model;
using LatentCycles.Core.Training;
using LatentCycles.Training.Protocol;

namespace LatentCycles.Training.Serialization;

/// <summary>
/// The binary wire and snapshot format of <see cref="ITrainingMessage"/>s: little-endian, doubles bit for bit, arrays
/// length-prefixed (the <see cref="TrainingStateCodec"/> conventions), training states and configurations embedded in
/// the codec's own versioned form. Parameters of K = 10, N = 784 are about 125 kB;
/// statistics, as <see cref="PackedLongs"/>, about 0.45 MB instead of 1.26 MB of raw longs.
/// </summary>
public sealed class TrainingMessageSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>Akka reserves 0–100 for itself; any fixed value above is ours.</summary>
    public const int SerializerId = 731;

    private const string RoundStartedManifest = "RS";
    private const string NodeStatisticsManifest = "NS";
    /// <summary>
    /// Checkpoints of the training state alone (the rows are in <see cref="CheckpointTaken"/> events), naming their run
    /// and ending with a SHA-256 of their bytes, so damage is found before use.
    /// </summary>
    internal const string CheckpointManifest = "C5";

    /// <summary>Checked checkpoints that also held the whole metrics history.</summary>
    private const string CheckpointWithHistoryManifest = "C4";

    /// <summary>Checkpoints whose metrics rows are numbered by rounds completed and carry elapsed time and timestamp.</summary>
    private const string CheckpointWithTimesManifest = "C3";

    /// <summary>Checkpoints whose rows are numbered from round 0 and carry the number of nodes per round.</summary>
    private const string CheckpointWithNodesManifest = "C2";

    /// <summary>Checkpoints written before clusters: their rows, numbered from round 0, read back as run on one node.</summary>
    private const string CheckpointWithoutNodesManifest = "CP";

    /// <summary>Checkpoint events with the rows since the journal's last, checked as checkpoints are.</summary>
    private const string CheckpointTakenManifest = "CE";

    /// <summary>Checkpoint events of the formats whose snapshots held the history: the round alone.</summary>
    private const string CheckpointRoundManifest = "CT";
    private const string RegisterNodeManifest = "RN";
    private const string NodeRegisteredManifest = "NR";

    public override int Identifier => SerializerId;

    public override string Manifest(object o) => ManifestOf(o);

    /// <summary>The manifest <see cref="Decode(ArraySegment{byte}, string)"/> needs for the bytes of <paramref name="o"/>.</summary>
    internal static string ManifestOf(object o) => o switch
    {
        RoundStarted => RoundStartedManifest,
        NodeStatistics => NodeStatisticsManifest,
        Checkpoint => CheckpointManifest,
        CheckpointTaken => CheckpointTakenManifest,
        RegisterNode => RegisterNodeManifest,
        NodeRegistered => NodeRegisteredManifest,
        _ => throw new ArgumentException($"{o.GetType()} has no binary form in {nameof(TrainingMessageSerializer)}"),
    };

    public override byte[] ToBinary(object obj) => Encode(obj);

    public override object FromBinary(byte[] bytes, string manifest) => Decode(bytes, manifest);

    /// <summary>The binary form of a message; usable without an actor system (tests, tools).</summary>
    internal static byte[] Encode(object obj)
    {
        using var stream = new MemoryStream();
        Encode(obj, stream);
        return stream.ToArray();
    }

    /// <summary>Writes the binary form of a message at the stream's position (the data plane reuses one buffer per link).</summary>
    internal static void Encode(object obj, Stream stream)
    {
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            switch (obj)
            {
                case RoundStarted m:
                    w.Write(m.Round);
                    WriteBytes(w, TrainingStateCodec.EncodeConfig(m.Config));
                    WriteParameters(w, m.Parameters);
                    WriteBlocks(w, m.Blocks);
                    break;
                case NodeStatistics m:
                    w.Write(m.Round);
                    WriteStatistics(w, m.Statistics);
                    WriteBlocks(w, m.Blocks);
                    break;
                case Checkpoint m:
                    WriteChecked(w, body =>
                    {
                        body.Write((m.RunId ?? throw new ArgumentException("a checkpoint is written with its run's identity")).ToByteArray());
                        WriteBytes(body, TrainingStateCodec.Encode(m.State));
                    });
                    break;
                case CheckpointTaken m:
                    WriteChecked(w, body =>
                    {
                        body.Write(m.Round);
                        body.Write(m.Rows.Count);
                        foreach (var row in m.Rows) WriteMetricsRow(body, row);
                    });
                    break;
                case RegisterNode m:
                    w.Write(m.Threads);
                    w.Write(m.DataPort);
                    break;
                case NodeRegistered:
                    break;
                default:
                    throw new ArgumentException($"{obj.GetType()} has no binary form in {nameof(TrainingMessageSerializer)}");
            }
        }
    }

    /// <summary>The message of <see cref="Encode"/>; <see cref="CheckpointFormatException"/> for bytes that are not one.</summary>
    internal static object Decode(byte[] bytes, string manifest) => Decode(new ArraySegment<byte>(bytes), manifest);

    /// <summary>As <see cref="Decode(byte[], string)"/>, from part of a buffer (the data plane reads into a reused one).</summary>
    internal static object Decode(ArraySegment<byte> bytes, string manifest)
    {
        try
        {
            using var r = new BinaryReader(new MemoryStream(bytes.Array!, bytes.Offset, bytes.Count, writable: false, publiclyVisible: true));
            object message = manifest switch
            {
                RoundStartedManifest => new RoundStarted(r.ReadInt32(), TrainingStateCodec.DecodeConfig(ReadBytes(r)), ReadParameters(r), ReadBlocks(r)),
                NodeStatisticsManifest => new NodeStatistics(r.ReadInt32(), ReadStatistics(r), ReadBlocks(r)) { OwnsStatistics = true },
                CheckpointManifest => ReadChecked(r, "checkpoint", body =>
                {
                    var runId = ReadRunId(body);
                    return new Checkpoint(TrainingStateCodec.Decode(ReadBytes(body)), runId);
                }),
                CheckpointWithHistoryManifest => ReadChecked(r, "checkpoint", body => ReadCheckpoint(body, ReadRunId(body), ReadMetricsRow)),
                CheckpointWithTimesManifest => ReadCheckpoint(r, null, ReadMetricsRow),
                CheckpointWithNodesManifest => ReadCheckpoint(r, null, reader => ReadEarlierMetricsRow(reader, withNodes: true)),
                CheckpointWithoutNodesManifest => ReadCheckpoint(r, null, reader => ReadEarlierMetricsRow(reader, withNodes: false)),
                CheckpointTakenManifest => ReadChecked(r, "checkpoint event", body => new CheckpointTaken(body.ReadInt32(), ReadRows(body, ReadMetricsRow))),
                CheckpointRoundManifest => new CheckpointTaken(r.ReadInt32(), []),
                RegisterNodeManifest => new RegisterNode(r.ReadInt32(), r.ReadInt32()),
                NodeRegisteredManifest => NodeRegistered.Instance,
                _ => throw new CheckpointFormatException($"unknown message manifest '{manifest}'"),
            };
            if (r.BaseStream.Position != r.BaseStream.Length) throw new CheckpointFormatException($"message '{manifest}' has trailing bytes");
            return message;
        }
        catch (EndOfStreamException)
        {
            throw new CheckpointFormatException($"message '{manifest}' is truncated");
        }
        catch (ArgumentException e)
        {
            throw new CheckpointFormatException($"message '{manifest}' is inconsistent: {e.Message}");
        }
    }

    /// <summary>Whether snapshots with this manifest are LatentCycles checkpoints.</summary>
    internal static bool IsCheckpointManifest(string manifest) =>
        manifest is CheckpointManifest or CheckpointWithHistoryManifest or CheckpointWithTimesManifest or CheckpointWithNodesManifest
            or CheckpointWithoutNodesManifest;

    /// <summary>Whether journal events with this manifest are the <see cref="CheckpointTaken"/> events of checkpoints.</summary>
    internal static bool IsCheckpointEventManifest(string manifest) => manifest is CheckpointTakenManifest or CheckpointRoundManifest;

    private const int RunIdBytes = 16;

    private static Guid ReadRunId(BinaryReader r)
    {
        var bytes = r.ReadBytes(RunIdBytes);
        return bytes.Length == RunIdBytes ? new Guid(bytes) : throw new EndOfStreamException();
    }

    /// <summary>A checkpoint of the formats that held the metrics history (<see cref="Checkpoint.EarlierHistory"/>).</summary>
    private static Checkpoint ReadCheckpoint(BinaryReader r, Guid? runId, Func<BinaryReader, MetricsRow> readRow) =>
        new(TrainingStateCodec.Decode(ReadBytes(r)), runId) { EarlierHistory = ReadRows(r, readRow) };

    private static MetricsRow[] ReadRows(BinaryReader r, Func<BinaryReader, MetricsRow> readRow)
    {
        var rows = new MetricsRow[ReadCount(r)];
        for (var j = 0; j < rows.Length; j++) rows[j] = readRow(r);
        return rows;
    }

    /// <summary>
    /// Writes what <paramref name="write"/> writes as one length-prefixed run of bytes followed by their SHA-256: a
    /// stored value is checked as a whole before any of it is believed.
    /// </summary>
    private static void WriteChecked(BinaryWriter w, Action<BinaryWriter> write)
    {
        using var payload = new MemoryStream();
        using (var body = new BinaryWriter(payload, Encoding.UTF8, leaveOpen: true)) write(body);
        var bytes = payload.GetBuffer().AsSpan(0, (int)payload.Length);
        w.Write(bytes.Length);
        w.Write(bytes);
        w.Write(SHA256.HashData(bytes));
    }

    /// <summary>Reads the bytes of <see cref="WriteChecked"/> with <paramref name="read"/>, once their SHA-256 matches, to their end.</summary>
    private static T ReadChecked<T>(BinaryReader r, string what, Func<BinaryReader, T> read)
    {
        var payload = ReadSegment(r);
        Span<byte> expected = stackalloc byte[SHA256.HashSizeInBytes];
        r.BaseStream.ReadExactly(expected);
        if (!SHA256.HashData(payload).AsSpan().SequenceEqual(expected))
            throw new CheckpointFormatException($"{what} fails its checksum: its bytes changed after it was written");
        using var body = new BinaryReader(new MemoryStream(payload.Array!, payload.Offset, payload.Count, writable: false, publiclyVisible: true));
        var value = read(body);
        if (body.BaseStream.Position != body.BaseStream.Length) throw new CheckpointFormatException($"{what} has trailing bytes");
        return value;
    }

    private static void WriteParameters(BinaryWriter w, ModelParameters p)
    {
        w.Write(p.K);
        w.Write(p.N);
        TrainingStateCodec.WriteParameterBlocks(w, p);
    }

    private static ModelParameters ReadParameters(BinaryReader r)
    {
        int k = r.ReadInt32(), n = r.ReadInt32();
        return TrainingStateCodec.ReadParameterBlocks(r, k, n);
    }

    /// <summary>
    /// Statistics as (K, N, T) then one length-prefixed run of <see cref="PackedLongs"/> holding C, Sx, G and GP in that
    /// order (about a third of the raw longs for MNIST-like statistics, exact for every value), then P.
    /// </summary>
    private static void WriteStatistics(BinaryWriter w, ChainStatistics s)
    {
        w.Write(s.K);
        w.Write(s.N);
        w.Write(s.Transitions);
        w.Write(s.HasNonFiniteProbabilities);
        long[][] arrays = [s.C, s.Sx, s.G, s.GP];
        var buffer = ArrayPool<byte>.Shared.Rent(arrays.Sum(a => PackedLongs.MaxEncodedLength(a.Length)));
        try
        {
            var length = 0;
            foreach (var array in arrays) length += PackedLongs.Encode(array, buffer.AsSpan(length));
            w.Write(length);
            w.Write(buffer, 0, length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        // P is K×K 128-bit fixed point: few entries, written as they are.
        w.Write(s.P.Length);
        foreach (var v in s.P)
        {
            w.Write((ulong)v);
            w.Write((ulong)(v >> 64));
        }
    }

    private static ChainStatistics ReadStatistics(BinaryReader r)
    {
        int k = r.ReadInt32(), n = r.ReadInt32();
        var transitions = r.ReadInt64();
        var nonFinite = r.ReadBoolean();
        if (k < 1 || n < 1 || (long)k * k * n > Array.MaxLength) throw new CheckpointFormatException($"statistics of impossible shape K = {k}, N = {n}");
        var encoded = ReadSpan(r);
        // Every value is written by the decoder, so the arrays need not be zeroed first.
        long[] c = GC.AllocateUninitializedArray<long>(k * k), sx = GC.AllocateUninitializedArray<long>(k * k * n),
            g = GC.AllocateUninitializedArray<long>(k * n * k), gp = GC.AllocateUninitializedArray<long>(k * k);
        var at = 0;
        foreach (var array in new[] { c, sx, g, gp }) at += PackedLongs.Decode(encoded[at..], array);
        if (at != encoded.Length) throw new CheckpointFormatException("statistics have trailing bytes");
        return new ChainStatistics(k, n, transitions, c, ReadKernelSums(r, k * k), sx, g, gp) { HasNonFiniteProbabilities = nonFinite };
    }

    private static Int128[] ReadKernelSums(BinaryReader r, int expectedLength)
    {
        var length = r.ReadInt32();
        if (length != expectedLength) throw new CheckpointFormatException($"array of {length} values where {expectedLength} were expected");
        var sums = new Int128[length];
        for (var j = 0; j < length; j++)
        {
            var low = r.ReadUInt64();
            sums[j] = new Int128(r.ReadUInt64(), low);
        }
        return sums;
    }

    private static void WriteBlocks(BinaryWriter w, IReadOnlyList<BlockStates> blocks)
    {
        w.Write(blocks.Count);
        foreach (var block in blocks)
        {
            w.Write(block.BlockId);
            WriteBytes(w, block.States);
        }
    }

    private static BlockStates[] ReadBlocks(BinaryReader r)
    {
        var blocks = new BlockStates[ReadCount(r)];
        for (var j = 0; j < blocks.Length; j++) blocks[j] = new BlockStates(r.ReadInt32(), ReadBytes(r));
        return blocks;
    }

    private static void WriteMetricsRow(BinaryWriter w, MetricsRow row)
    {
        w.Write(row.Round);
        w.Write(row.MinibatchLogLikelihood);
        WriteOptional(w, row.EntropyProduction);
        w.Write(row.SelfTransition);
        w.Write(row.LargestCurrent);
        WriteFigure(w, row.TrainLogLikelihood);
        WriteFigure(w, row.TestLogLikelihood);
        WriteOptional(w, row.ChainStepsPerSecond);
        WriteOptional(w, row.Nodes);
        WriteOptional(w, row.ElapsedSeconds);
        WriteOptional(w, row.Timestamp?.UtcTicks);
    }

    private static MetricsRow ReadMetricsRow(BinaryReader r) => new(r.ReadInt32(), r.ReadDouble(), ReadOptional(r), r.ReadDouble(), r.ReadDouble(),
        ReadFigure(r), ReadFigure(r), ReadOptional(r), ReadOptionalInt(r), ReadOptional(r),
        ReadOptionalLong(r) is { } ticks ? new DateTimeOffset(ticks, TimeSpan.Zero) : null);

    /// <summary>A row of a "C2" or "CP" checkpoint: numbered from round 0, always with a speed, without times.</summary>
    private static MetricsRow ReadEarlierMetricsRow(BinaryReader r, bool withNodes) => new(r.ReadInt32() + 1, r.ReadDouble(), ReadOptional(r),
        r.ReadDouble(), r.ReadDouble(), ReadFigure(r), ReadFigure(r), r.ReadDouble(), withNodes ? r.ReadInt32() : 1);

    private static void WriteOptional(BinaryWriter w, double? value)
    {
        w.Write(value.HasValue);
        if (value.HasValue) w.Write(value.Value);
    }

    private static void WriteOptional(BinaryWriter w, int? value)
    {
        w.Write(value.HasValue);
        if (value.HasValue) w.Write(value.Value);
    }

    private static void WriteOptional(BinaryWriter w, long? value)
    {
        w.Write(value.HasValue);
        if (value.HasValue) w.Write(value.Value);
    }

    private static double? ReadOptional(BinaryReader r) => r.ReadBoolean() ? r.ReadDouble() : null;

    private static int? ReadOptionalInt(BinaryReader r) => r.ReadBoolean() ? r.ReadInt32() : null;

    private static long? ReadOptionalLong(BinaryReader r) => r.ReadBoolean() ? r.ReadInt64() : null;

    private static void WriteFigure(BinaryWriter w, LikelihoodEstimate? figure)
    {
        w.Write(figure is not null);
        if (figure is null) return;
        w.Write(figure.MeanNats);
        w.Write(figure.StandardErrorNats);
    }

    private static LikelihoodEstimate? ReadFigure(BinaryReader r) => r.ReadBoolean() ? new LikelihoodEstimate(r.ReadDouble(), r.ReadDouble()) : null;

    private static void WriteBytes(BinaryWriter w, byte[] bytes)
    {
        w.Write(bytes.Length);
        w.Write(bytes);
    }

    private static byte[] ReadBytes(BinaryReader r) => r.ReadBytes(ReadCount(r));

    /// <summary>A length-prefixed run of bytes read in place, without the copy <see cref="ReadBytes"/> makes.</summary>
    private static ReadOnlySpan<byte> ReadSpan(BinaryReader r) => ReadSegment(r);

    private static ArraySegment<byte> ReadSegment(BinaryReader r)
    {
        var count = ReadCount(r);
        var stream = (MemoryStream)r.BaseStream;
        var buffer = stream.TryGetBuffer(out var segment) ? segment : throw new InvalidOperationException("messages are decoded from visible buffers");
        var part = buffer.Slice((int)stream.Position, count);
        stream.Position += count;
        return part;
    }

    private static int ReadCount(BinaryReader r)
    {
        var count = r.ReadInt32();
        if (count < 0) throw new CheckpointFormatException($"negative length {count}");
        if (count > r.BaseStream.Length - r.BaseStream.Position) throw new EndOfStreamException();
        return count;
    }
}
