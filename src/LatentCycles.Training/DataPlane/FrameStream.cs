using System.Buffers.Binary;
using System.Text;
using Akka.Configuration;
using LatentCycles.Training.Hosting;
using LatentCycles.Training.Serialization;

namespace LatentCycles.Training.DataPlane;

/// <summary>
/// One end of a data link (docs/CLUSTER.md, "Data plane"): <see cref="TrainingMessageSerializer"/> messages as
/// length-prefixed frames on a byte stream (TCP, or TLS over TCP). The framing is written by hand because it is the
/// wire format of the round's bulk bytes and must cost no more than the copy into the socket: each frame is
/// <c>payload length</c> (int32, little-endian), <c>manifest length</c> (one byte), the manifest (ASCII), then the
/// serializer's bytes. Both directions reuse one buffer each, grown to the largest frame seen, so a round allocates
/// nothing here. One reader and one writer at a time: the protocol is request and reply.
/// </summary>
internal sealed class FrameStream(Stream stream, long maximumFrameBytes) : IAsyncDisposable
{
    private const int LengthBytes = 4;

    private MemoryStream _outgoing = new();
    private Task _lastWrite = Task.CompletedTask;
    private byte[] _incoming = new byte[64 * 1024];

    /// <summary>Encodes <paramref name="message"/> and starts writing it; the task ends when the bytes are in the stream.</summary>
    /// <exception cref="ArgumentException">the message is larger than the frame limit.</exception>
    public Task WriteAsync(object message, CancellationToken cancel)
    {
        // The buffer of a write still in flight is never reused; with request and reply this does not happen.
        if (!_lastWrite.IsCompleted) _outgoing = new MemoryStream();
        var buffer = _outgoing;
        buffer.SetLength(0);
        var manifestName = TrainingMessageSerializer.ManifestOf(message);
        var manifest = Encoding.ASCII.GetBytes(manifestName);
        buffer.Position = LengthBytes;
        buffer.WriteByte((byte)manifest.Length);
        buffer.Write(manifest);
        var payloadStart = buffer.Position;
        TrainingMessageSerializer.Encode(message, buffer);
        var payload = buffer.Length - payloadStart;
        if (payload > maximumFrameBytes)
            throw new ArgumentException($"a {manifestName} message of {payload} bytes exceeds the data plane's frame limit of {maximumFrameBytes} bytes");
        BinaryPrimitives.WriteInt32LittleEndian(buffer.GetBuffer(), (int)payload);
        _lastWrite = WriteAndFlushAsync(buffer, cancel);
        return _lastWrite;
    }

    /// <summary>The next message, or null when the other end closed the stream between frames.</summary>
    /// <exception cref="CheckpointFormatException">the bytes are not a frame of a known message.</exception>
    /// <exception cref="EndOfStreamException">the stream ended inside a frame.</exception>
    public async Task<object?> ReadAsync(CancellationToken cancel)
    {
        var header = new byte[LengthBytes + 1];
        var first = await stream.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancel).ConfigureAwait(false);
        if (first == 0) return null;
        if (first < header.Length) throw new EndOfStreamException("the data link closed inside a frame header");
        var length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (length < 0 || length > maximumFrameBytes)
            throw new CheckpointFormatException($"a data frame announces {length} bytes, outside 0..{maximumFrameBytes}");
        var manifest = new byte[header[LengthBytes]];
        await stream.ReadExactlyAsync(manifest, cancel).ConfigureAwait(false);
        if (_incoming.Length < length) _incoming = new byte[Math.Max(length, 2 * _incoming.Length)];
        await stream.ReadExactlyAsync(_incoming.AsMemory(0, length), cancel).ConfigureAwait(false);
        return TrainingMessageSerializer.Decode(new ArraySegment<byte>(_incoming, 0, length), Encoding.ASCII.GetString(manifest));
    }

    public ValueTask DisposeAsync() => stream.DisposeAsync();

    /// <summary>The largest frame a data link carries: the remoting's frame limit, which the coordinator checks a run against.</summary>
    public static long MaximumFrameBytes(Config config) =>
        config.GetByteSize(ActorSystemHost.FramePath) ?? throw new ArgumentException($"{ActorSystemHost.FramePath} is not set");

    private async Task WriteAndFlushAsync(MemoryStream buffer, CancellationToken cancel)
    {
        await stream.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancel).ConfigureAwait(false);
        await stream.FlushAsync(cancel).ConfigureAwait(false);
    }
}
