using LatentCycles.Core.Data;
using LatentCycles.Core.Evaluation;
using Xunit.Abstractions;

namespace LatentCycles.Core.Tests.Data;

public class DigitClassifierTests(ITestOutputHelper output)
{
    [Fact]
    public void Classifier_reaches_ninety_percent_on_embedded_test_digits()
    {
        var split = EmbeddedMnist.LoadStandardSplit();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var classifier = DigitClassifier.Train(split.Train);
        var seconds = clock.Elapsed.TotalSeconds;

        var accuracy = classifier.Accuracy(split.Test);
        output.WriteLine($"test accuracy {accuracy:P2}, train accuracy {classifier.Accuracy(split.Train):P2}, trained in {seconds:F2} s");
        Assert.True(accuracy >= 0.90, $"test accuracy {accuracy:P2}");
    }

    [Fact]
    public void Same_seed_gives_the_same_classifier()
    {
        var split = EmbeddedMnist.LoadStandardSplit();
        var subset = split.Train.Select(Enumerable.Range(0, 8000).Where(j => j % 16 == 0).ToArray());

        var first = DigitClassifier.Train(subset, epochs: 2, seed: 7);
        var second = DigitClassifier.Train(subset, epochs: 2, seed: 7);

        Assert.Equal(first.ClassHistogram(split.Test), second.ClassHistogram(split.Test));
        Assert.All(Enumerable.Range(0, split.Test.Count),
            j => Assert.Equal(first.Predict(split.Test.Image(j)), second.Predict(split.Test.Image(j))));
    }

    [Fact]
    public void Histogram_counts_predicted_classes_of_separable_images()
    {
        // 2×3 images: class 0 lights the top row, class 1 the bottom row, class 2 the middle column.
        byte[] top = [1, 1, 1, 0, 0, 0], bottom = [0, 0, 0, 1, 1, 1], middle = [0, 1, 0, 0, 1, 0];
        var training = new BinaryImages([.. top, .. bottom, .. middle, .. top, .. bottom, .. middle], 6, 2, 3, [0, 1, 2, 0, 1, 2]);
        var classifier = DigitClassifier.Train(training, classes: 3, epochs: 300, batchSize: 6, learningRate: 0.05, shiftAugmentation: false);
        var samples = new BinaryImages([.. top, .. top, .. middle, .. top], 4, 2, 3, null);

        Assert.Equal([3, 0, 1], classifier.ClassHistogram(samples));
        Assert.Equal(1.0, classifier.Accuracy(training));
    }

    [Fact]
    public void Labels_outside_the_classes_are_rejected()
    {
        var images = new BinaryImages(new byte[8], 2, 2, 2, [0, 10]);
        var error = Assert.Throws<ArgumentException>(() => DigitClassifier.Train(images));
        Assert.Contains("image 1 has label 10, outside 0…9", error.Message);
    }

    [Fact]
    public void Unlabelled_images_are_rejected_for_training()
    {
        var images = new BinaryImages(new byte[8], 2, 2, 2, null);
        Assert.Throws<ArgumentException>(() => DigitClassifier.Train(images));
    }

    [Fact]
    public void Image_of_the_wrong_size_is_rejected()
    {
        var classifier = DigitClassifier.Train(new BinaryImages([1, 0, 0, 1], 2, 1, 2, [0, 1]), classes: 2, epochs: 1);
        var error = Assert.Throws<ArgumentException>(() => classifier.Predict(new byte[3]));
        Assert.Contains("image has 3 pixels, the classifier expects 2", error.Message);
    }
}
