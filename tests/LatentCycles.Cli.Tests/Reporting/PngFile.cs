using System.Buffers.Binary;
using SkiaSharp;

namespace LatentCycles.Cli.Tests.Reporting;

/// <summary>What the tests check of a PNG: its signature, the size in its IHDR chunk, and how many colours it uses.</summary>
internal static class PngFile
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Width and height from the IHDR chunk; throws when the bytes are not a PNG.</summary>
    public static (int Width, int Height) Size(byte[] png)
    {
        Assert.True(png.Length > 33, "too short for a PNG");
        Assert.Equal(Signature, png[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        return (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
    }

    public static int DistinctColours(byte[] png)
    {
        using var bitmap = SKBitmap.Decode(png) ?? throw new InvalidDataException("not a decodable image");
        var colours = new HashSet<uint>();
        foreach (var pixel in bitmap.Pixels) colours.Add((uint)pixel);
        return colours.Count;
    }

    /// <summary>How many pixels of the band of rows [top, bottom) are dark (text or lines on the white background).</summary>
    public static int DarkPixels(byte[] png, int top, int bottom)
    {
        using var bitmap = SKBitmap.Decode(png) ?? throw new InvalidDataException("not a decodable image");
        var dark = 0;
        for (var y = top; y < Math.Min(bottom, bitmap.Height); y++)
            for (var x = 0; x < bitmap.Width; x++)
            {
                var c = bitmap.GetPixel(x, y);
                if (c.Red + c.Green + c.Blue < 200) dark++;
            }
        return dark;
    }
}
