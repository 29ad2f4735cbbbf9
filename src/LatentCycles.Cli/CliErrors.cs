namespace LatentCycles.Cli;

/// <summary>
/// A mistake of the user (a bad option value, a missing file): <see cref="Program"/> prints its message as the
/// single line <c>error: message</c> on stderr and exits with code 2, without a stack trace.
/// </summary>
public sealed class CliException(string message) : Exception(message);
