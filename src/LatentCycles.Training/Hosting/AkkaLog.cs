using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;

namespace LatentCycles.Training.Hosting;

/// <summary>
/// Akka's logger for every LatentCycles process: Akka's events, stack traces included, go to a file (a run's run.log,
/// a worker's --log file), so the console keeps the program's own lines. A system without a file (a test's) gets one
/// line per event on stderr, with the cause's type and message but never a stack trace.
/// </summary>
public sealed class AkkaLog : ReceiveActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    private readonly string? _file;

    public AkkaLog()
    {
        var file = Context.System.Settings.Config.GetString(ActorSystemHost.LogFilePath, "");
        _file = file.Length == 0 ? null : file;
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        Receive<LogEvent>(Write);
    }

    /// <summary>Adds <paramref name="text"/> to <paramref name="file"/>, with a time stamp.</summary>
    internal static void Append(string file, string text)
    {
        try
        {
            File.AppendAllText(file, $"{DateTime.UtcNow:O} {text}{Environment.NewLine}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A log that cannot be written must not end the run; the event is not worth more than a line.
            Console.Error.WriteLine($"warning: cannot write {file}: {FirstLine(e.Message)}");
        }
    }

    private void Write(LogEvent e)
    {
        var level = e.LogLevel().ToString().Replace("Level", "", StringComparison.Ordinal).ToLowerInvariant();
        if (_file is not null)
        {
            Append(_file, $"[{level}] {e.LogSource}: {e.Message}{(e.Cause is null ? "" : Environment.NewLine + e.Cause)}");
            return;
        }
        var cause = e.Cause is null ? "" : $" ({e.Cause.GetType().Name}: {FirstLine(e.Cause.Message)})";
        Console.Error.WriteLine($"akka {level}: {FirstLine(e.Message?.ToString() ?? "")}{cause}");
    }

    private static string FirstLine(string text)
    {
        var end = text.IndexOfAny(['\r', '\n']);
        return end < 0 ? text : text[..end];
    }
}
