using CGDmer.Pipeline.Concurrency;
using System.Reactive.Concurrency;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using CGDmer.Pipeline.Metrics;
using CGDmer.Pipeline.Settlement;
using CGDmer.Pipeline.Validation;
using CGDmer.Pipeline.Windowing;

namespace CGDmer.Pipeline.Windowing;

/// <summary>Rx stage 2: windowing. Accepted segments of many patients → model-input windows, per patient in grid order.</summary>
public static class WindowOperator
{
    /// <summary>
    /// Cuts each patient's segments into windows of <paramref name="geometry"/> on the absolute hop grid (see
    /// <see cref="PatientWindower"/>). Patients silent for <see cref="WindowingOptions.SilentPatientTimeoutSeconds"/> on
    /// <paramref name="scheduler"/>'s clock are flushed and dropped by a timer that is serialized with the segments.
    /// A segment its patient's windower fails on is counted and dropped, never an OnError. OnCompleted (and OnError of the
    /// source) first flushes every patient. Unsubscribing drops all state without emitting.
    /// <paramref name="closed"/> is told (under the stage's lock, before any later window of that patient is formed) when
    /// a patient's state is closed; see <see cref="PatientStateClosed"/>.
    /// </summary>
    /// <remarks>Named WindowPerPatient, not Window, which Rx already defines on every observable.</remarks>
    public static IObservable<EcgWindow> WindowPerPatient(this IObservable<EcgSegmentData> source, WindowGeometry geometry,
                                                          WindowingOptions options, IScheduler scheduler, PipelineMetrics? metrics = null,
                                                          Action<PatientStateClosed>? closed = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(geometry);
        ArgumentNullException.ThrowIfNull(options);
        TimerScheduler.RequireNonBlocking(scheduler, "window", nameof(scheduler));
        options.Validate(geometry);   // fail at composition, not at the first segment

        return Observable.Create<EcgWindow>(observer =>
        {
            var gate = new object();
            var stage = new PatientWindowerRegistry(geometry, options, metrics, closed);
            var output = new List<EcgWindow>();
            var timer = new SerialDisposable();
            var subscription = new SingleAssignmentDisposable();
            bool stopped = false, timerArmed = false;

            // Called under the gate: windows go out in the order they were formed, never concurrently.
            void Deliver()
            {
                for (int i = 0; i < output.Count; i++) observer.OnNext(output[i]);
                output.Clear();
            }

            void ArmSilenceTimer()
            {
                if (timerArmed || stopped || stage.NextSilenceDeadline is not { } due) return;
                timerArmed = true;
                timer.Disposable = scheduler.Schedule(due, () =>
                {
                    lock (gate)
                    {
                        timerArmed = false;
                        if (stopped) return;
                        stage.FlushSilent(scheduler.Now, output);
                        Deliver();
                        ArmSilenceTimer();   // for the patient that is now least recently active
                    }
                });
            }

            void Finish(Action terminal, bool endOfStream)
            {
                lock (gate)
                {
                    if (stopped) return;
                    stage.FlushAll(output, endOfStream);
                    stopped = true;
                    timer.Dispose();
                    Deliver();
                    terminal();
                }
            }

            subscription.Disposable = source.Subscribe(
                segment =>
                {
                    lock (gate)
                    {
                        if (stopped) return;
                        stage.Add(segment, scheduler.Now, output);
                        Deliver();
                        ArmSilenceTimer();
                    }
                },
                // A source error flushes everything it has (the data may not come back); a completed source only the
                // windows whose time has elapsed (the stream ended, the signal did not).
                error => Finish(() => observer.OnError(error), endOfStream: false),
                () => Finish(observer.OnCompleted, endOfStream: true));

            return Disposable.Create(() =>
            {
                subscription.Dispose();
                lock (gate)
                {
                    stopped = true;
                    timer.Dispose();
                    foreach (var w in output) w.ReleaseSignal();
                    output.Clear();
                    stage.Dispose();
                }
            });
        });
    }
}
