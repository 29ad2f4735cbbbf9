namespace LatentCycles.Core.Data;

/// <summary>
/// A data set that cannot be read: a missing file, a malformed or truncated file, or parts that do not fit
/// together. The message is one line naming the file and what is wrong, fit to show the user as is.
/// </summary>
public sealed class DataFormatException : Exception
{
    public DataFormatException(string message) : base(message) { }

    public DataFormatException(string message, Exception inner) : base(message, inner) { }
}
