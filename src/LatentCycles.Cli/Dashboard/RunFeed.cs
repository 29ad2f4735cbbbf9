using System.Diagnostics;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using LatentCycles.Core.Model;

namespace LatentCycles.Cli.Dashboard;

/// <summary>σ and self-transition of a picture's fresh-sample kernel estimate: the points of the "fresh samples" curves.</summary>
internal sealed record FreshEstimate(int Round, double? EntropyProductionNats, double SelfTransition);

/// <summary>What the page shows above the curves.</summary>
/// <param name="Status">"live", or how the run ended ("finished", "stopped", "diverged"), or "recorded" for a finished run's files.</param>
internal sealed record RunHeader(string Directory, string Description, int TotalRounds, int CheckpointEvery, string Status);

/// <summary>
/// A run as the dashboard serves it: every round so far, the latest picture of the model, and a stream of server-sent
/// events for each page (an <c>init</c> event with everything, then <c>round</c>, <c>model</c> and <c>status</c> events).
/// Pictures of the model cost a kernel estimate and samples, so they are computed off the trainer's thread, one at a
/// time, at most every <see cref="ModelInterval"/>, and always for the last round.
/// </summary>
internal sealed class RunFeed : IRunWatcher
{
    private static readonly TimeSpan ModelInterval = TimeSpan.FromSeconds(3);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly object _gate = new();
    private readonly ulong _seed;
    private readonly List<RoundPoint> _points = [];
    private readonly List<FreshEstimate> _fresh = [];
    private readonly List<Channel<SseItem<string>>> _pages = [];
    private readonly Stopwatch _sinceModel = new();
    private RunHeader _header;
    private ModelView? _model;
    private Task _modelWork = Task.CompletedTask;
    private (int Round, ModelParameters Parameters)? _pendingModel;
    private DateTimeOffset? _checkpointAt;

    public RunFeed(RunHeader header, ulong seed)
    {
        _header = header;
        _seed = seed;
    }

    /// <summary>The latest round, or null before the first.</summary>
    public RoundPoint? Latest
    {
        get
        {
            lock (_gate) return _points.Count > 0 ? _points[^1] : null;
        }
    }

    /// <summary>The last test and train log-likelihood figures reported (they come only on evaluation rounds).</summary>
    public RoundPoint? LatestEvaluated
    {
        get
        {
            lock (_gate) return _points.LastOrDefault(p => p.TestLlNats is not null);
        }
    }

    /// <summary>Seconds since the last checkpoint was stored; null when none was seen.</summary>
    public double? CheckpointAgeSeconds
    {
        get
        {
            lock (_gate) return _checkpointAt is { } at ? (DateTimeOffset.UtcNow - at).TotalSeconds : null;
        }
    }

    public ModelView? Model
    {
        get
        {
            lock (_gate) return _model;
        }
    }

    /// <summary>Adds rounds recorded before this session (metrics.csv of a finished or resumed run) without events.</summary>
    public void Load(IEnumerable<RoundPoint> history)
    {
        lock (_gate) _points.AddRange(history);
    }

    public void RoundCompleted(RoundPoint point)
    {
        lock (_gate)
        {
            _points.Add(point);
            Broadcast("round", point);
        }
    }

    public void ModelChanged(int round, ModelParameters parameters)
    {
        lock (_gate)
        {
            var last = round >= _header.TotalRounds;
            _pendingModel = (round, parameters);
            if (!_modelWork.IsCompleted || (!last && _sinceModel.IsRunning && _sinceModel.Elapsed < ModelInterval)) return;
            _modelWork = Task.Run(DrawPendingModels);
        }
    }

    /// <summary>Computes the picture of the model right away (a finished run's dashboard, before serving).</summary>
    public void ShowModel(int round, ModelParameters parameters) => Publish(ModelView.Compute(parameters, _seed, round));

    /// <summary>Waits for the picture of the model in progress, so the last one is in place before the run's end is told.</summary>
    public Task ModelDrawn
    {
        get
        {
            lock (_gate) return _modelWork;
        }
    }

    public void CheckpointSaved(int round)
    {
        lock (_gate) _checkpointAt = DateTimeOffset.UtcNow;
    }

    public void RunEnded(string outcome)
    {
        lock (_gate)
        {
            _header = _header with { Status = outcome };
            Broadcast("status", _header);
        }
    }

    /// <summary>The events of one page: everything so far as <c>init</c>, then each change, until the page goes away.</summary>
    public async IAsyncEnumerable<SseItem<string>> Events([EnumeratorCancellation] CancellationToken cancel)
    {
        var channel = Channel.CreateUnbounded<SseItem<string>>(new UnboundedChannelOptions { SingleReader = true });
        lock (_gate)
        {
            channel.Writer.TryWrite(Event("init", new { Header = _header, Points = _points, Fresh = _fresh, Model = _model }));
            _pages.Add(channel);
        }
        try
        {
            await foreach (var item in channel.Reader.ReadAllAsync(cancel).ConfigureAwait(false)) yield return item;
        }
        finally
        {
            lock (_gate) _pages.Remove(channel);
        }
    }

    private void DrawPendingModels()
    {
        while (true)
        {
            (int Round, ModelParameters Parameters) next;
            lock (_gate)
            {
                if (_pendingModel is not { } pending) return;
                next = pending;
                _pendingModel = null;
                _sinceModel.Restart();
            }
            Publish(ModelView.Compute(next.Parameters, _seed, next.Round));
            lock (_gate)
                if (_pendingModel is { Round: var round } && round < _header.TotalRounds) _pendingModel = null;
        }
    }

    private void Publish(ModelView model)
    {
        lock (_gate)
        {
            _model = model;
            _fresh.Add(new FreshEstimate(model.Round, model.EntropyProductionNats, model.SelfTransition));
            Broadcast("model", model);
        }
    }

    private void Broadcast<T>(string type, T value)
    {
        var item = Event(type, value);
        foreach (var page in _pages) page.Writer.TryWrite(item);
    }

    private static SseItem<string> Event<T>(string type, T value) => new(JsonSerializer.Serialize(value, Json), type);
}
