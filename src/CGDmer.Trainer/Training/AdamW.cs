using CGDmer.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace CGDmer.Trainer.Training;

/// <summary>
/// TorchSharp's AdamW with the same arithmetic in the same order, passing Scalars that it makes and disposes itself:
/// TorchSharp's own step passes implicit Scalars (the betas, ε, the decay and step factors), which the finalizer can free
/// while libtorch still reads them (TorchSharp #1434), so a long run could crash in its optimizer. Bit-identical to
/// TorchSharp's (<c>AdamWTests</c>); AMSGrad and maximize are not supported.
/// </summary>
/// <remarks>Named AdamW because the optimizer's state file records its type's name: checkpoints written by TorchSharp's
/// AdamW load into this one and back.</remarks>
public sealed class AdamW : TorchSharp.Modules.AdamW
{
    /// <summary>One parameter group.</summary>
    public AdamW(IEnumerable<TorchSharp.Modules.Parameter> parameters, double learningRate, double weightDecay)
        : base(parameters, learningRate, weight_decay: weightDecay) { }

    /// <summary>Parameter groups with their own learning rates and weight decay; the defaults fill what a group leaves unset.</summary>
    public AdamW(IEnumerable<ParamGroup> groups, double learningRate, double weightDecay)
        : base(groups, learningRate, weight_decay: weightDecay) { }

    public override Tensor step(Func<Tensor>? closure = null) => _step<TorchSharp.Modules.ParamGroup>(StepGroup, closure);

    private void StepGroup(TorchSharp.Modules.ParamGroup group)
    {
        var options = (Options)group.Options;
        if (options.amsgrad == true || options.maximize == true)
            throw new NotSupportedException("this AdamW implements neither AMSGrad nor maximize");
        double beta1 = options.beta1!.Value, beta2 = options.beta2!.Value, lr = options.LearningRate!.Value;
        using Scalar decay = (1 - lr * options.weight_decay!.Value).ToScalar(), b1 = beta1.ToScalar(), b2 = beta2.ToScalar();
        using Scalar gradientShare = (1 - beta1).ToScalar(), squareShare = (1 - beta2).ToScalar(), eps = options.eps!.Value.ToScalar();
        foreach (var param in group.Parameters)
        {
            var state = (State)_state[param.Handle];
            var grad = param.grad;
            if (grad is null) continue;
            state.step += 1;
            param.mul_(decay);
            double biasCorrection1 = 1 - Math.Pow(beta1, state.step), biasCorrection2 = 1 - Math.Pow(beta2, state.step);
            state.exp_avg.mul_(b1).add_(grad, gradientShare);
            state.exp_avg_sq.mul_(b2).addcmul_(grad, grad, squareShare);
            using Scalar root = Math.Sqrt(biasCorrection2).ToScalar(), stepSize = (0.0 - lr / biasCorrection1).ToScalar();
            var denominator = state.exp_avg_sq.sqrt().div(root).add_(eps, Scalars.One);   // add_(eps) passes an implicit alpha
            param.addcdiv_(state.exp_avg, denominator, stepSize);
        }
    }
}
