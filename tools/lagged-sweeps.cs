// A study, not part of the product: trains the default configuration with the present estimator and with sweeps one
// update late (each round's chains sweep with the parameters the previous round started from, the estimator sketched in
// docs/PERFORMANCE.md, "What the targets need"), single-threaded, and prints the final test log-likelihood as `train`
// reports it. The standard mode reproduces `latentcycles train --seed S`'s figure bit for bit.
//
//   dotnet run -c Release tools/lagged-sweeps.cs -- standard 1
//   dotnet run -c Release tools/lagged-sweeps.cs -- lagged 1
#:project ../src/LatentCycles.Core/LatentCycles.Core.csproj
using LatentCycles.Core.Chains;
using LatentCycles.Core.Data;
using LatentCycles.Core.Training;

if (args.Length != 2 || args[0] is not ("standard" or "lagged") || !ulong.TryParse(args[1], out var seed))
{
    Console.Error.WriteLine("error: usage: lagged-sweeps.cs standard|lagged SEED");
    return 2;
}
var lagged = args[0] == "lagged";
var split = DataSetLoader.Load(null);
var config = new TrainingConfig { Seed = seed };
var state = TrainingState.Start(config, split.Train);
var previousParameters = state.Parameters;
int k = config.K, n = state.Parameters.N;
var sweeper = new ChainSweeper(k, n);
var block = new ChainStatistics(k, n);
for (var r = 0; r < config.Rounds; r++)
{
    var prepared = new PreparedParameters(lagged ? previousParameters : state.Parameters);
    var states = (byte[])state.ChainStates.Clone();
    var merged = new ChainStatistics(k, n);
    BlockRunner.RunAll(config, state.Round, prepared, states, sweeper, block, merged);
    previousParameters = state.Parameters;
    (state, _) = RoundComputation.Apply(state, merged, states, split.Train);
}
var test = StateEvaluation.Of(state, split, new EvaluationRequest(Train: false)).Test;
Console.WriteLine($"{args[0]} seed {seed}: test log-likelihood {test.MeanNats:F9} ± {test.StandardErrorNats:F6} nats");
return 0;
