using LatentCycles.Core.Data;
using LatentCycles.Core.Model;

namespace LatentCycles.Core.Evaluation;

/// <summary>
/// How well a model reproduces the class distribution of the data (MODEL.md §5): a digit classifier labels the test
/// images and generated samples, and the KL divergence compares the two class histograms. The same classifier labels
/// both sides, so its own errors largely cancel.
/// </summary>
public static class ClassFidelity
{
    public const int DefaultSamples = 2000;

    /// <summary>
    /// The classifier of a data set, trained on its labelled training images with a fixed seed (a property of the data,
    /// not of a run, so every run of the same data is judged alike); null when the data have no labels or one class.
    /// </summary>
    public static DigitClassifier? TrainClassifier(DataSplit split)
    {
        if (!split.Train.HasLabels || !split.Test.HasLabels) return null;
        var classes = 1;
        for (var j = 0; j < split.Train.Count; j++) classes = Math.Max(classes, split.Train.Label(j) + 1);
        return classes < 2 ? null : DigitClassifier.Train(split.Train, classes);
    }

    /// <summary>KL(class histogram of the test images ‖ that of <paramref name="samples"/> generated images), in nats.</summary>
    public static double KlDivergence(DigitClassifier classifier, ModelParameters parameters, DataSplit split, ulong seed, int samples = DefaultSamples)
    {
        var generated = ModelSampler.Sample(parameters, samples, seed, rows: split.Test.Rows, columns: split.Test.Columns);
        return ClassHistogram.KlDivergence(classifier.ClassHistogram(split.Test), classifier.ClassHistogram(generated));
    }
}
