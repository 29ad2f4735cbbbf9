namespace LatentCycles.Training.Protocol;

/// <summary>
/// Marks the messages and persisted values that <see cref="Serialization.TrainingMessageSerializer"/> writes
/// (bound in <see cref="Hosting.ActorSystemHost"/>): never JSON, since they carry tens of thousands of doubles.
/// </summary>
public interface ITrainingMessage;
