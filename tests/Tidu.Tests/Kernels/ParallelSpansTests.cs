namespace Tidu.Tests.Kernels;

/// <summary>
/// Element-wise ops on tensors large enough to be split over the workers give, with one and with two threads, bit for
/// bit the values of one TensorPrimitives call over the whole span (lengths with a tail that is not a whole vector).
/// </summary>
[Collection(ThreadCountCollection.Name)]
public sealed class ParallelSpansTests
{
    public static TheoryData<int> Lengths() => [Tidu.Kernels.ElementRanges.ParallelThreshold, Tidu.Kernels.ElementRanges.ParallelThreshold * 3 + 77];

    private static (Tensor X, Tensor Y, Tensor G) Inputs(int n, DType dtype)
    {
        var rng = new Generator(n);
        return (Tensor.Randn([n], dtype, rng) * 3, Tensor.Randn([n], dtype, rng), Tensor.Randn([n], dtype, rng));
    }

    private static Dictionary<string, double[]> Run(int n, DType dtype)
    {
        var (x, y, g) = Inputs(n, dtype);
        var xg = x.Detach().RequiresGradInPlace();
        var relu = xg.Relu();
        relu.Backward(g);
        return new()
        {
            ["exp"] = x.Exp().ToArray<double>(),
            ["tanh"] = x.Tanh().ToArray<double>(),
            ["sigmoid"] = x.Sigmoid().ToArray<double>(),
            ["relu"] = relu.ToArray<double>(),
            ["relu backward"] = xg.Grad!.ToArray<double>(),
            ["x + y"] = (x + y).ToArray<double>(),
            ["x * 0.3"] = (x * 0.3).ToArray<double>(),
            ["2 - x"] = (2 - x).ToArray<double>(),
        };
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void OneAndTwoThreadsMatchOneCallOverTheWholeSpan(int n)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var one = ThreadCountCollection.With(1, () => Run(n, dtype));
            var two = ThreadCountCollection.With(2, () => Run(n, dtype));
            foreach (var (name, values) in one) Assert.True(values.SequenceEqual(two[name]), $"{dtype} {name}: 1 and 2 threads differ");

            // the whole span in one call, as before the split
            var (x, _, _) = Inputs(n, dtype);
            if (dtype == DType.Float32)
            {
                var xs = x.ToArray<float>();
                var d = new float[n];
                System.Numerics.Tensors.TensorPrimitives.Exp(xs, d);
                Assert.True(d.Select(v => (double)v).SequenceEqual(two["exp"]), "float32 exp differs from one call");
                System.Numerics.Tensors.TensorPrimitives.Tanh(xs, d);
                Assert.True(d.Select(v => (double)v).SequenceEqual(two["tanh"]), "float32 tanh differs from one call");
            }
            else
            {
                var xs = x.ToArray<double>();
                var d = new double[n];
                System.Numerics.Tensors.TensorPrimitives.Exp(xs, d);
                Assert.True(d.SequenceEqual(two["exp"]), "float64 exp differs from one call");
            }
        }
    }
}
