using System.Reactive.Linq;
using System.Reactive.Subjects;
using CGDmer.Contracts.Telemetry.V1;
using CGDmer.Pipeline.Concurrency;
using CGDmer.Pipeline.Validation;
using static CGDmer.TestSupport.SegmentBuilder;

namespace CGDmer.Pipeline.Tests;

public class ValidateOperatorTests
{
    private sealed class ThrowingValidator(ulong throwOn) : SegmentValidator
    {
        public override ValidationResult Validate(EcgSegment segment, DateTimeOffset receivedAt) =>
            segment.Sequence == throwOn
                ? throw new InvalidOperationException("boom for patient-0042")
                : base.Validate(segment, receivedAt);
    }

    private static EcgSegment Seg(ulong seq, bool valid = true) => With(s =>
    {
        s.Sequence = seq;
        if (!valid) s.SampleRateHz = 1;
    });

    [Fact]
    public void Keeps_flowing_after_a_rejection_and_a_validator_exception()
    {
        var subject = new Subject<EcgSegment>();
        var results = new List<ValidationResult>();
        Exception? error = null;
        bool completed = false;
        using var sub = subject.Validate(new ThrowingValidator(3), () => Now)
            .Subscribe(results.Add, e => error = e, () => completed = true);

        subject.OnNext(Seg(1));
        subject.OnNext(Seg(2, valid: false));
        subject.OnNext(Seg(3));            // validator throws
        subject.OnNext(Seg(4));
        subject.OnCompleted();

        Assert.Null(error);
        Assert.True(completed);
        Assert.Equal(4, results.Count);
        Assert.True(results[0].IsAccepted);
        Assert.Equal(RejectionReason.BadSampleRate, results[1].Rejection!.Reason);
        var internalError = results[2].Rejection!;
        Assert.Equal(RejectionReason.InternalError, internalError.Reason);
        Assert.Contains("InvalidOperationException", internalError.Message);
        Assert.DoesNotContain("patient-0042", internalError.Message);
        Assert.Equal(3ul, internalError.Sequence);
        Assert.Equal("monitor-icu3-bed07", internalError.DeviceId);
        Assert.True(results[3].IsAccepted);
        Assert.Equal(4ul, results[3].Segment!.Sequence);
    }

    [Fact]
    public void A_throwing_clock_is_an_internal_error_too()
    {
        int calls = 0;
        var results = new[] { Seg(1), Seg(2) }.ToObservable()
            .Validate(new SegmentValidator(), () => ++calls == 1 ? throw new TimeoutException() : Now)
            .ToList().Wait();
        Assert.Equal(RejectionReason.InternalError, results[0].Rejection!.Reason);
        Assert.True(results[1].IsAccepted);
    }

    [Fact]
    public void Uses_the_clock_for_the_receive_time()
    {
        var late = Start + TimeSpan.FromDays(2);
        var r = Observable.Return(Seg(1)).Validate(new SegmentValidator(), () => late).Wait();
        Assert.Equal(RejectionReason.TimeTooOld, r.Rejection!.Reason);
    }

    [Fact]
    public void Accepted_and_Rejected_split_the_stream()
    {
        var results = new[] { Seg(1), Seg(2, false), Seg(3), Seg(4, false), Seg(5) }.ToObservable()
            .Validate(new ThrowingValidator(5), () => Now)
            .Publish().RefCount();
        var both = results.Accepted().ToList().Zip(results.Rejected().ToList()).Wait();
        Assert.Equal([1ul, 3ul], both.First.Select(d => d.Sequence));
        Assert.Equal([RejectionReason.BadSampleRate, RejectionReason.BadSampleRate, RejectionReason.InternalError],
                     both.Second.Select(r => r.Reason));
    }

    [Fact]
    public void Source_errors_pass_through()
    {
        var ex = new IOException("broker gone");
        var thrown = Assert.Throws<IOException>(() =>
            Observable.Throw<EcgSegment>(ex).Validate(new SegmentValidator(), () => Now).ToList().Wait());
        Assert.Same(ex, thrown);
    }

    [Fact]
    public void Arguments_are_checked()
    {
        var src = Observable.Empty<EcgSegment>();
        Assert.Throws<ArgumentNullException>(() => src.Validate(null!, () => Now));
        Assert.Throws<ArgumentNullException>(() => src.Validate(new SegmentValidator(), null!));
    }
}
