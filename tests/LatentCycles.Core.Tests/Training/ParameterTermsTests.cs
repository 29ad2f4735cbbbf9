using LatentCycles.Core.Chains;
using LatentCycles.Core.Data;
using LatentCycles.Core.Model;
using LatentCycles.Core.Training;

namespace LatentCycles.Core.Tests.Training;

/// <summary>
/// A round's parameter terms (src/LatentCycles.Core/Training/RoundComputation.cs) computed ahead, while the chains sweep,
/// give the round the same bits as computed inside it; terms of another round or other parameters are not used.
/// </summary>
public sealed class ParameterTermsTests
{
    private static readonly BinaryImages Data = EnumerationFixtures.RandomData(80, 9, 7);

    private static (TrainingState State, ChainStatistics Statistics) RoundInput(ModelKind model)
    {
        var config = new TrainingConfig { K = 4, Chains = 40, BlockSize = 16, Rounds = 10, MinibatchSize = 25, Seed = 3, Model = model };
        var state = TrainingState.Start(config, Data);
        var statistics = new ChainStatistics(config.K, Data.PixelCount);
        var states = (byte[])state.ChainStates.Clone();
        new ChainSweeper(config.K, Data.PixelCount).Advance(new PreparedParameters(state.Parameters), config.Seed, 0, 0, states, 1, statistics);
        return (state, statistics);
    }

    private static (double[] Parameters, MetricsRow Row) Apply(TrainingState state, ChainStatistics statistics, ParameterTerms? terms)
    {
        var (next, row) = RoundComputation.Apply(state, statistics, state.ChainStates, Data, terms: terms);
        return (next.Parameters.Values, row);
    }

    [Theory]
    [InlineData(ModelKind.Neq)]
    [InlineData(ModelKind.Rbm)]
    public void Terms_computed_ahead_give_the_same_bits_as_terms_computed_in_the_round(ModelKind model)
    {
        var (state, statistics) = RoundInput(model);
        var inside = Apply(state, statistics, null);
        var ahead = Apply(state, statistics, RoundComputation.ParameterTermsOf(state, Data));

        Assert.Equal(inside.Parameters, ahead.Parameters);
        Assert.Equal(inside.Row, ahead.Row);
    }

    [Fact]
    public void The_round_uses_the_terms_it_is_given()
    {
        var (state, statistics) = RoundInput(ModelKind.Neq);
        var terms = RoundComputation.ParameterTermsOf(state, Data);
        var shifted = terms with { ComponentLogDensities = terms.ComponentLogDensities.Select((v, j) => j % 4 == 0 ? v + 1 : v).ToArray() };

        Assert.NotEqual(Apply(state, statistics, terms).Parameters, Apply(state, statistics, shifted).Parameters);
    }

    [Fact]
    public void Terms_of_another_round_or_other_parameters_are_computed_again()
    {
        var (state, statistics) = RoundInput(ModelKind.Neq);
        var inside = Apply(state, statistics, null);
        var terms = RoundComputation.ParameterTermsOf(state, Data);
        var garbled = terms.ComponentLogDensities.Select(v => v + 1).ToArray();
        var otherParameters = new ModelParameters(state.Parameters.K, state.Parameters.N, (double[])state.Parameters.Values.Clone());

        Assert.Equal(inside.Parameters, Apply(state, statistics, terms with { Round = state.Round + 1, ComponentLogDensities = garbled }).Parameters);
        Assert.Equal(inside.Parameters, Apply(state, statistics, terms with { Parameters = otherParameters, ComponentLogDensities = garbled }).Parameters);
    }
}
