namespace CGDmer.Evaluation.Ec57;

/// <summary>
/// A QRS detector under test: given the samples of one or more leads of a record (mV, NaN where the record holds no valid
/// sample, all of one length) and their sample rate, the beats' sample indices in ascending order.
/// </summary>
public delegate IReadOnlyList<int> BeatDetector(IReadOnlyList<float[]> leads, double sampleRateHz);
