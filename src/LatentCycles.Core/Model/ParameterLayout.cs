namespace LatentCycles.Core.Model;

/// <summary>
/// Where W, b and L sit in one flat vector of the model's size: W (K×N), then b (K), then L (N×K). Parameters,
/// gradients and optimizer moments all use it, so the optimizer steps one vector and each block is a view of it.
/// </summary>
public readonly record struct ParameterLayout(int K, int N)
{
    /// <summary>Number of scalars: K·N + K + N·K.</summary>
    public int Length => K * N + K + N * K;

    /// <summary>Where L starts: after W and b.</summary>
    public int DecoderStart => K * N + K;

    public Span<double> W(Span<double> vector) => vector.Slice(0, K * N);
    public Span<double> B(Span<double> vector) => vector.Slice(K * N, K);
    public Span<double> L(Span<double> vector) => vector.Slice(DecoderStart, N * K);

    public ReadOnlySpan<double> W(ReadOnlySpan<double> vector) => vector.Slice(0, K * N);
    public ReadOnlySpan<double> B(ReadOnlySpan<double> vector) => vector.Slice(K * N, K);
    public ReadOnlySpan<double> L(ReadOnlySpan<double> vector) => vector.Slice(DecoderStart, N * K);
}
