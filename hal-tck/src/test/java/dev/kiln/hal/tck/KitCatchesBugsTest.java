package dev.kiln.hal.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.backend.AdamWStep;
import dev.kiln.api.backend.AttentionShape;
import dev.kiln.api.backend.Gemm;
import dev.kiln.api.backend.Kernels;
import dev.kiln.api.backend.RopeSpec;
import dev.kiln.api.backend.Slice;
import dev.kiln.hal.tck.reference.ReferenceDevice;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The kit must catch bugs: the reference kernels with one deliberate bug each fail the tests of
 * that kernel, and only those.
 */
class KitCatchesBugsTest {

    static Stream<Arguments> bugs() {
        return Stream.of(
                bug("rmsNorm ignores eps", "rmsNorm", k -> new ForwardingKernels(k) {
                    @Override
                    public void rmsNorm(Slice x, Slice weight, Slice out, Slice rstd, int rows, int dim, float eps) {
                        delegate.rmsNorm(x, weight, out, rstd, rows, dim, 0f);
                    }
                }),
                bug("gemm swaps transA and transB", "gemm", k -> new ForwardingKernels(k) {
                    @Override
                    public void gemm(Gemm g, Slice a, Slice b, Slice c) {
                        delegate.gemm(new Gemm(g.transB(), g.transA(), g.m(), g.n(), g.k(), g.alpha(), g.beta(),
                                Math.max(g.lda(), g.m()), Math.max(g.ldb(), g.k()), g.ldc(), g.batch(), g.strideA(),
                                g.strideB(), g.strideC()), a, b, c);
                    }
                }),
                bug("attention forgets the causal mask", "attention", k -> new ForwardingKernels(k) {
                    @Override
                    public void attention(AttentionShape s, Slice q, Slice kk, Slice v, Slice mask, Slice out,
                            Slice lse) {
                        delegate.attention(new AttentionShape(s.batch(), s.seqQ(), s.seqK(), s.kvCapacity(), s.heads(),
                                s.kvHeads(), s.headDim(), s.scale(), false, s.queryOffset()), q, kk, v, mask, out, lse);
                    }
                }),
                bug("attention reads the whole KV cache capacity", "attention", k -> new ForwardingKernels(k) {
                    @Override
                    public void attention(AttentionShape s, Slice q, Slice kk, Slice v, Slice mask, Slice out,
                            Slice lse) {
                        AttentionShape all = new AttentionShape(s.batch(), s.seqQ(), s.kvCapacity(), s.kvCapacity(),
                                s.heads(), s.kvHeads(), s.headDim(), s.scale(), s.causal(), s.queryOffset());
                        delegate.attention(mask == null ? all : s, q, kk, v, mask, out, lse);
                    }
                }),
                bug("adamW bias correction one step ahead", "adamW", k -> new ForwardingKernels(k) {
                    @Override
                    public void adamW(AdamWStep s, Slice param, Slice grad, Slice m, Slice v, long n) {
                        delegate.adamW(new AdamWStep(s.lr(), s.beta1(), s.beta2(), s.eps(), s.weightDecay(),
                                s.step() + 1), param, grad, m, v, n);
                    }
                }),
                bug("dropout hashes the seed differently", "dropout", k -> new ForwardingKernels(k) {
                    @Override
                    public void dropout(Slice x, Slice out, long n, float p, long seed) {
                        delegate.dropout(x, out, n, p, seed ^ 0x9E3779B97F4A7C15L);
                    }
                }),
                bug("rmsNormBackward overwrites dWeight instead of accumulating", "rmsNormBackward",
                        k -> new ForwardingKernels(k) {
                            @Override
                            public void rmsNormBackward(Slice x, Slice weight, Slice rstd, Slice dOut, Slice dx,
                                    Slice dWeight, int rows, int dim) {
                                delegate.fill(dWeight, dim, 0f);
                                delegate.rmsNormBackward(x, weight, rstd, dOut, dx, dWeight, rows, dim);
                            }
                        }),
                bug("crossEntropy does not skip ignored rows", "crossEntropy", k -> new ForwardingKernels(k) {
                    @Override
                    public void crossEntropy(Slice logits, Slice targets, Slice losses, Slice lse, int rows,
                            int vocab, int ignoreIndex) {
                        delegate.crossEntropy(logits, targets, losses, lse, rows, vocab, Integer.MIN_VALUE);
                    }
                }),
                bug("rope pairs interleaved dims as rotate-half", "rope", k -> new ForwardingKernels(k) {
                    @Override
                    public void rope(RopeSpec s, Slice x, Slice positions, int tokens, int heads, boolean inverse) {
                        delegate.rope(new RopeSpec(s.headDim(), s.rotaryDim(), s.theta(), false, s.scaling()), x,
                                positions, tokens, heads, inverse);
                    }
                }),
                bug("activation computes GELU_ERF with the tanh approximation", "activation",
                        k -> new ForwardingKernels(k) {
                            @Override
                            public void activation(Activation act, Slice x, Slice out, long n) {
                                delegate.activation(act == Activation.GELU_ERF ? Activation.GELU_TANH : act, x, out, n);
                            }
                        }),
                bug("fill writes one element too many", "fill", k -> new ForwardingKernels(k) {
                    @Override
                    public void fill(Slice out, long n, float value) {
                        delegate.fill(out, n + 1, value);
                    }
                }),
                bug("softmaxBackward drops the sum term", "softmaxBackward", k -> new ForwardingKernels(k) {
                    @Override
                    public void softmaxBackward(Slice out, Slice dOut, Slice dx, int rows, int cols) {
                        // dx = out * dOut, without "- sum(out dOut)"
                        delegate.binary(BinaryOp.MUL, out, dOut, dx, rows, cols, false);
                    }
                }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bugs")
    void theKitFailsTheBuggyKernelAndOnlyIt(String bug, String kernel, UnaryOperator<Kernels> introduceBug) {
        Map<String, Throwable> failures = KitRuns.failures(new DeviceWithKernels(new ReferenceDevice(), introduceBug));

        assertFalse(failures.isEmpty(), "no test caught: " + bug);
        Set<String> failingKernels = failures.keySet().stream().map(KitRuns::kernelOf)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(Set.of(kernel), failingKernels, () -> "failures: " + failures.keySet());
        assertTrue(failures.values().stream().anyMatch(AssertionError.class::isInstance),
                () -> "no comparison caught it, only exceptions: " + failures);
    }

    private static Arguments bug(String description, String kernel, UnaryOperator<Kernels> introduceBug) {
        return Arguments.of(description, kernel, introduceBug);
    }
}
