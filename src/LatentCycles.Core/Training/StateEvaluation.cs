using LatentCycles.Core.Data;
using LatentCycles.Core.Evaluation;
using LatentCycles.Core.Model;

namespace LatentCycles.Core.Training;

/// <summary>How the headline log-likelihood of a <see cref="StateEvaluation"/> was computed (MODEL.md §2, §6).</summary>
public enum LikelihoodMethod
{
    /// <summary>π from a fresh Monte Carlo estimate of the latent kernel, with its error bar: the neq model's only way.</summary>
    FreshSampleKernel,

    /// <summary>The tied model's closed form, exact (error 0).</summary>
    ExactRbm,
}

/// <summary>What an evaluation computes beside the test-set likelihood and the fresh kernel estimate.</summary>
/// <param name="DrawsPerState">Draws of x per latent state for the kernel estimate.</param>
/// <param name="Train">Whether the training set's likelihood is computed too.</param>
/// <param name="Classifier">Labels generated samples for the class-histogram KL (MODEL.md §5); null: no KL.</param>
/// <param name="KernelThreads">Threads the kernel estimate's draws may use; null: as many as the thread pool gives. The
/// result is the same whatever the number.</param>
public sealed record EvaluationRequest(
    int DrawsPerState = ModelEvaluator.DefaultDrawsPerState,
    bool Train = true,
    DigitClassifier? Classifier = null,
    int? KernelThreads = null);

/// <summary>
/// The evaluation of a training state that <c>train</c> (the metrics' log-likelihood columns and its summary),
/// <c>eval</c> and <c>report</c> all show, so they agree. The kernel is estimated afresh from the Evaluation streams of
/// (seed, round), never from the training chains, so the same checkpoint always gives the same figures. The headline
/// likelihood (<see cref="Test"/>, <see cref="Train"/>) is the fresh-sample estimate for the neq model and the exact
/// closed form for the RBM (MODEL.md §6, "Which likelihood is reported"); the fresh-sample figures are kept beside it.
/// </summary>
/// <param name="Round">Rounds completed by the evaluated parameters.</param>
/// <param name="FreshSample">The test set's fresh-sample estimate with the kernel it used and that kernel's observables.</param>
/// <param name="FreshSampleTrain">The training set's, from the same kernel; null unless asked for.</param>
/// <param name="ClassKlNats">KL of the class histograms; null unless a classifier was given.</param>
public sealed record StateEvaluation(
    int Round,
    LikelihoodMethod Method,
    LikelihoodEstimate Test,
    LikelihoodEstimate? Train,
    ModelEvaluation FreshSample,
    LikelihoodEstimate? FreshSampleTrain,
    double? ClassKlNats)
{
    public KernelEstimate Kernel => FreshSample.Kernel;

    /// <exception cref="ArgumentException">the data do not fit the model, or the parameters are not finite.</exception>
    public static StateEvaluation Of(TrainingState state, DataSplit data, EvaluationRequest request)
    {
        var parameters = state.Parameters;
        if (data.Train.PixelCount != parameters.N)
            throw new ArgumentException($"the model has N = {parameters.N} pixels but the data {data.Name} have {data.Train.PixelCount}");
        var seed = state.Config.Seed;
        var kernel = ModelEvaluator.EstimateKernel(parameters, seed, (uint)state.Round, request.DrawsPerState, maxThreads: request.KernelThreads);
        var options = new EvaluationOptions(seed, (uint)state.Round, request.DrawsPerState, Kernel: kernel);
        var test = ModelEvaluator.Evaluate(parameters, data.Test, options);
        var train = request.Train ? ModelEvaluator.Evaluate(parameters, data.Train, options).Likelihood : null;
        var classKl = request.Classifier is { } classifier ? ClassFidelity.KlDivergence(classifier, parameters, data, seed) : (double?)null;
        if (state.Config.Model != ModelKind.Rbm)
            return new StateEvaluation(state.Round, LikelihoodMethod.FreshSampleKernel, test.Likelihood, train, test, train, classKl);
        return new StateEvaluation(state.Round, LikelihoodMethod.ExactRbm, Exact(parameters, data.Test),
            request.Train ? Exact(parameters, data.Train) : null, test, train, classKl);
    }

    private static LikelihoodEstimate Exact(ModelParameters tied, BinaryImages data) => new(RbmFormulas.MeanLogLikelihood(tied, data), 0);
}
