package io.backprop4j.tensor;

import static io.backprop4j.testing.Fixtures.assertClose;
import static io.backprop4j.testing.Fixtures.indices;
import static io.backprop4j.testing.Fixtures.tensor;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.backprop4j.loss.Losses;
import io.backprop4j.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every op and loss against PyTorch in float64 (fixtures from tools/fixtures/make_fixtures.py):
 * forward values and the gradients of Σ grad_output ⊙ output, to 1e-9 relative.
 */
class TorchAgreementTest {
    static final double RTOL = 1e-9, ATOL = 1e-12;

    @TestFactory
    Stream<DynamicTest> ops() {
        return cases("ops");
    }

    @TestFactory
    Stream<DynamicTest> losses() {
        return cases("losses");
    }

    private Stream<DynamicTest> cases(String file) {
        List<Map<String, Object>> cases = Fixtures.cases(file);
        assertFalse(cases.isEmpty());
        return cases.stream().map(c -> DynamicTest.dynamicTest((String) c.get("name"), () -> check(c)));
    }

    @SuppressWarnings("unchecked")
    private static void check(Map<String, Object> c) {
        String op = (String) c.get("op");
        Map<String, Object> args = (Map<String, Object>) c.get("args");
        List<Object> encoded = (List<Object>) c.get("inputs");
        List<Object> grads = (List<Object>) c.get("grads");
        List<Tensor> inputs = new ArrayList<>();
        int[] index = null;
        for (int i = 0; i < encoded.size(); i++) {
            if (grads.get(i) == null && isIndexInput(op, i)) {
                index = indices(encoded.get(i));
                inputs.add(null);
            } else {
                Tensor t = tensor(encoded.get(i));
                inputs.add(grads.get(i) == null ? t : t.requiresGrad(true));
            }
        }
        Tensor out = function(op, args, index).apply(inputs.toArray(new Tensor[0]));
        String name = (String) c.get("name");
        assertClose(name + " output", tensor(c.get("output")), out, RTOL, ATOL);
        out.backward(tensor(c.get("grad_output")));
        for (int i = 0; i < inputs.size(); i++) {
            Tensor in = inputs.get(i);
            if (grads.get(i) == null) {
                if (in != null && !in.requiresGrad()) assertNull(in.grad());
                continue;
            }
            assertClose(name + " grad of input " + i, tensor(grads.get(i)), in.grad(), RTOL, ATOL);
        }
    }

    private static boolean isIndexInput(String op, int i) {
        return i == 1 && (op.equals("index_select") || op.equals("cross_entropy_logits_index") || op.equals("nll"));
    }

    private static int i(Map<String, Object> a, String k) {
        return ((Number) a.get(k)).intValue();
    }

    private static double d(Map<String, Object> a, String k) {
        return ((Number) a.get(k)).doubleValue();
    }

    @SuppressWarnings("unchecked")
    private static int[] ints(Object o) {
        return ((List<Object>) o).stream().mapToInt(x -> ((Number) x).intValue()).toArray();
    }

    /** The Java call for a fixture op name. */
    static Function<Tensor[], Tensor> function(String op, Map<String, Object> a, int[] index) {
        return switch (op) {
            case "add" -> in -> in[0].add(in[1]);
            case "sub" -> in -> in[0].sub(in[1]);
            case "mul" -> in -> in[0].mul(in[1]);
            case "div" -> in -> in[0].div(in[1]);
            case "pow_scalar" -> in -> in[0].pow(d(a, "exponent"));
            case "neg" -> in -> in[0].neg();
            case "exp" -> in -> in[0].exp();
            case "log" -> in -> in[0].log();
            case "sqrt" -> in -> in[0].sqrt();
            case "abs" -> in -> in[0].abs();
            case "square" -> in -> in[0].square();
            case "tanh" -> in -> in[0].tanh();
            case "sigmoid" -> in -> in[0].sigmoid();
            case "relu" -> in -> in[0].relu();
            case "leaky_relu" -> in -> in[0].leakyRelu(d(a, "alpha"));
            case "elu" -> in -> in[0].elu(d(a, "alpha"));
            case "softplus" -> in -> in[0].softplus();
            case "gelu" -> in -> in[0].gelu();
            case "sum" -> in -> a.get("dims") == null
                    ? (Boolean.TRUE.equals(a.get("keepdim")) ? in[0].sum(allDims(in[0]), true) : in[0].sum())
                    : in[0].sum(ints(a.get("dims")), (Boolean) a.get("keepdim"));
            case "mean" -> in -> a.get("dims") == null
                    ? (Boolean.TRUE.equals(a.get("keepdim")) ? in[0].mean(allDims(in[0]), true) : in[0].mean())
                    : in[0].mean(ints(a.get("dims")), (Boolean) a.get("keepdim"));
            case "max" -> in -> in[0].max(i(a, "dim"), (Boolean) a.get("keepdim"));
            case "logsumexp" -> in -> in[0].logsumexp(i(a, "dim"), (Boolean) a.get("keepdim"));
            case "matmul" -> in -> in[0].matmul(in[1]);
            case "transpose" -> in -> in[0].transpose(i(a, "dim0"), i(a, "dim1"));
            case "permute" -> in -> in[0].permute(ints(a.get("dims")));
            case "reshape" -> in -> in[0].reshape(ints(a.get("shape")));
            case "concat" -> in -> Tensor.concat(i(a, "dim"), in);
            case "index_select" -> in -> in[0].indexSelect(i(a, "dim"), index);
            case "narrow" -> in -> in[0].narrow(i(a, "dim"), i(a, "start"), i(a, "length"));
            case "expand" -> in -> in[0].expand(ints(a.get("shape")));
            case "softmax" -> in -> in[0].softmax(i(a, "dim"));
            case "log_softmax" -> in -> in[0].logSoftmax(i(a, "dim"));
            case "linear" -> in -> LinearOp.apply(in[0], in[1], in.length > 2 ? in[2] : null);
            case "sin" -> in -> in[0].sin();
            case "cos" -> in -> in[0].cos();
            case "clamp" -> in -> in[0].clamp(a.get("min") == null ? Double.NEGATIVE_INFINITY : d(a, "min"),
                    a.get("max") == null ? Double.POSITIVE_INFINITY : d(a, "max"));
            case "maximum" -> in -> in[0].maximum(in[1]);
            case "minimum" -> in -> in[0].minimum(in[1]);
            case "pow_tensor" -> in -> in[0].pow(in[1]);
            case "where" -> in -> Tensor.where(in[0].to(DType.BOOL), in[1], in[2]);
            case "gather" -> in -> in[0].gather(i(a, "dim"), in[1].to(DType.INT64));
            case "conv2d" -> in -> Functional.conv2d(in[0], in[1], in.length > 2 ? in[2] : null, ints(a.get("stride")),
                    ints(a.get("padding")), ints(a.get("dilation")), i(a, "groups"));
            case "conv1d" -> in -> Functional.conv1d(in[0], in[1], in.length > 2 ? in[2] : null, i(a, "stride"), i(a, "padding"),
                    i(a, "dilation"), i(a, "groups"));
            case "max_pool2d" -> in -> Functional.maxPool2d(in[0], ints(a.get("kernel")), ints(a.get("stride")), ints(a.get("padding")),
                    ints(a.get("dilation")), (Boolean) a.get("ceil_mode"));
            case "avg_pool2d" -> in -> Functional.avgPool2d(in[0], ints(a.get("kernel")), ints(a.get("stride")), ints(a.get("padding")),
                    (Boolean) a.get("ceil_mode"), (Boolean) a.get("count_include_pad"),
                    a.get("divisor_override") == null ? 0 : i(a, "divisor_override"));
            case "adaptive_avg_pool2d" -> in -> Functional.adaptiveAvgPool2d(in[0], ints(a.get("output"))[0], ints(a.get("output"))[1]);
            case "batch_norm" -> in -> Functional.batchNorm(in[0], null, null, in.length > 1 ? in[1] : null, in.length > 2 ? in[2] : null,
                    true, d(a, "momentum"), d(a, "eps"));
            case "mse" -> in -> Losses.mse(in[0], in[1]);
            case "binary_cross_entropy" -> in -> Losses.binaryCrossEntropy(in[0], in[1]);
            case "binary_cross_entropy_with_logits" -> in -> Losses.binaryCrossEntropyWithLogits(in[0], in[1]);
            case "cross_entropy_probs" -> in -> Losses.crossEntropyProbs(in[0], in[1]);
            case "cross_entropy_logits_index" -> in -> Losses.crossEntropy(in[0], index);
            case "cross_entropy_logits_probs" -> in -> Losses.crossEntropy(in[0], in[1]);
            case "nll" -> in -> Losses.nll(in[0], index);
            default -> throw new AssertionError("no Java mapping for fixture op " + op);
        };
    }

    private static int[] allDims(Tensor t) {
        int[] d = new int[t.rank()];
        for (int i = 0; i < d.length; i++) d[i] = i;
        return d;
    }
}
