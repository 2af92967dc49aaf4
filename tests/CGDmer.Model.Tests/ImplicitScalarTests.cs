using System.Reflection;
using System.Reflection.Emit;
using CGDmer.Trainer.Training;
using TorchSharp;

namespace CGDmer.Model.Tests;

/// <summary>
/// The model and the training code pass TorchSharp no implicit Scalar: one made from a bare number is left to the
/// finalizer, which can free it while libtorch still reads it (TorchSharp #1434). Reads the IL for calls that make one,
/// in our code or inside the TorchSharp member called (<c>tensor + tensor</c> passes an implicit alpha of 1).
/// </summary>
public class ImplicitScalarTests
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes).GetFields()
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);
    private readonly Dictionary<MethodBase, bool> _makesImplicit = new();

    [Fact]
    public void Model_and_training_code_make_no_implicit_scalar()
    {
        var types = typeof(CgDmerModel).Assembly.GetTypes()
            .Concat(typeof(Prober).Assembly.GetTypes().Where(t => t.Namespace == typeof(Prober).Namespace));
        var offenders = (
            from c in CallsIn(types)
            where IsImplicitScalar(c.Callee) || (IsTorchSharp(c.Callee) && MakesImplicitScalar(c.Callee, 0))
            select $"{c.Type.FullName}.{c.Method.Name} calls {c.Callee.DeclaringType?.Name}.{c.Callee}").Distinct().ToList();
        Assert.True(offenders.Count == 0, string.Join("\n", offenders));
    }

    [Fact]
    public void Training_code_builds_no_optimizer_whose_step_makes_implicit_scalars()
    {
        // C# calls an override through the virtual's first declaration (Optimizer.step), so the scan above never reads
        // an optimizer's own step: each optimizer the training code builds is checked here, by the type it builds.
        var offenders = (
            from c in CallsIn(typeof(Prober).Assembly.GetTypes())
            let built = c.Callee is ConstructorInfo ? c.Callee.DeclaringType : (c.Callee as MethodInfo)?.ReturnType
            where built is not null && typeof(torch.optim.Optimizer).IsAssignableFrom(built)
            where !(c.Method is ConstructorInfo && c.Callee is ConstructorInfo && c.Callee.DeclaringType == c.Method.DeclaringType!.BaseType)
            let step = built.GetMethod("step", [typeof(Func<torch.Tensor>)])
            where step is null || IsTorchSharp(step) && MakesImplicitScalar(step, 0)
            select $"{c.Type.FullName}.{c.Method.Name} builds {built.FullName}").Distinct().ToList();
        Assert.True(offenders.Count == 0, string.Join("\n", offenders));
    }

    /// <summary>Every call in the methods and constructors declared by <paramref name="types"/>.</summary>
    private static IEnumerable<(Type Type, MethodBase Method, MethodBase Callee)> CallsIn(IEnumerable<Type> types) =>
        from type in types
        from method in type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared))
        from callee in Calls(method)
        select (type, method, callee);

    private static bool IsImplicitScalar(MethodBase m) => m.DeclaringType == typeof(Scalar) && m.Name == "op_Implicit";

    private static bool IsTorchSharp(MethodBase m) => m.DeclaringType?.Assembly == typeof(Scalar).Assembly;

    private bool MakesImplicitScalar(MethodBase m, int depth)
    {
        if (_makesImplicit.TryGetValue(m, out bool known)) return known;
        _makesImplicit[m] = false;
        bool makes = depth < 4 && Calls(m).Any(c => IsImplicitScalar(c) || (IsTorchSharp(c) && MakesImplicitScalar(c, depth + 1)));
        return _makesImplicit[m] = makes;
    }

    /// <summary>The methods and constructors a method's IL calls.</summary>
    private static IEnumerable<MethodBase> Calls(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null) yield break;
        for (int i = 0; i < il.Length;)
        {
            short value = il[i] == 0xFE ? (short)(0xFE00 | il[i + 1]) : il[i];
            i += value > 0xFF || value < 0 ? 2 : 1;
            var op = OpCodesByValue[value];
            if (op.OperandType == OperandType.InlineMethod)
            {
                var generic = method.DeclaringType is { IsGenericType: true } t ? t.GetGenericArguments() : null;
                var callee = method.Module.ResolveMethod(BitConverter.ToInt32(il, i), generic, method.IsGenericMethod ? method.GetGenericArguments() : null);
                if (callee is not null) yield return callee;
            }
            i += op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, i),
                _ => 4,
            };
        }
    }
}
