using System.Reactive.Linq;
using CGDmer.Pipeline.Inference;
using CGDmer.Pipeline.Interpretation;
using CGDmer.Pipeline.Metrics;

namespace CGDmer.Pipeline.Interpretation;

/// <summary>Rx stage: interpret. Findings per window and the alert events they cause; per-patient order is the input order.</summary>
public static class InterpretOperator
{
    /// <summary>
    /// Interprets each window with <paramref name="interpreter"/> and advances <paramref name="tracker"/>. The tracker is
    /// the caller's (so the host can <see cref="AlertTracker.DropPatient"/>); subscribe to the result once. A window whose
    /// interpretation throws passes on with no findings, no alert change and reason
    /// <see cref="SuppressionReasons.InternalError"/> rather than ending the stream for every patient.
    /// </summary>
    public static IObservable<InterpretedWindow> Interpret(this IObservable<AnalyzedWindow> source, Interpreter interpreter,
                                                           AlertTracker tracker, PipelineMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(interpreter);
        ArgumentNullException.ThrowIfNull(tracker);
        if (!ReferenceEquals(tracker.Interpreter, interpreter))
            throw new ArgumentException("the tracker must be built on the same interpreter", nameof(tracker));
        return source.Select(w => InterpretWindow(w, interpreter, tracker, metrics));
    }

    /// <summary>
    /// As above with a fresh <see cref="AlertTracker"/> per subscription (alert state is not shared between subscriptions),
    /// which takes the patients' stored state from <paramref name="checkpoints"/> when given.
    /// </summary>
    public static IObservable<InterpretedWindow> Interpret(this IObservable<AnalyzedWindow> source, Interpreter interpreter,
                                                           PipelineMetrics? metrics = null, IAlertCheckpointSource? checkpoints = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(interpreter);
        return Observable.Defer(() => source.Interpret(interpreter, new AlertTracker(interpreter, checkpoints), metrics));
    }

    internal static InterpretedWindow InterpretWindow(AnalyzedWindow window, Interpreter interpreter, AlertTracker tracker, PipelineMetrics? metrics)
    {
        WindowAssessment assessment;
        IReadOnlyList<AlertEvent> alerts;
        AlertCheckpoint? checkpoint;
        IReadOnlyList<Finding> findings;
        try
        {
            assessment = interpreter.Assess(window);
            alerts = tracker.Track(window, assessment, out checkpoint);
            findings = tracker.Confirm(window.Window.PatientId, window.Window.Start, assessment.Findings);
        }
        catch (Exception) when (window is not null)
        {
            // The exception may carry patient data in its message; the window says only that interpretation failed.
            return new InterpretedWindow(window, [], [], SuppressionReasons.InternalError);
        }
        if (metrics is not null)
            foreach (var a in alerts) metrics.Alerts.WithLabels(a.Kind, a.Code, a.Event).Inc();
        return new InterpretedWindow(window, findings, alerts, assessment.SuppressedReason) { Checkpoint = checkpoint };
    }
}
