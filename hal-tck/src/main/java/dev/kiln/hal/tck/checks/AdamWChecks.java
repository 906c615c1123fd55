package dev.kiln.hal.tck.checks;

import dev.kiln.api.backend.AdamWStep;
import dev.kiln.hal.tck.reference.math.AdamW;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;

/**
 * adamW: the first steps (where bias correction matters most), a late step, with and without
 * weight decay, other betas, and an eps large enough to matter; param, m and v are all checked.
 */
public final class AdamWChecks implements CheckFamily {

    @Override
    public Stream<DynamicTest> tests(CheckContext context) {
        List<DynamicTest> tests = new ArrayList<>();
        tests.add(step(context, 17, new AdamWStep(1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, 1), 1));
        tests.add(step(context, 1031, new AdamWStep(3e-4f, 0.9f, 0.999f, 1e-8f, 0.1f, 2), 1));
        tests.add(step(context, 1, new AdamWStep(1e-2f, 0.8f, 0.95f, 1e-6f, 0f, 10), 1));
        tests.add(step(context, 65, new AdamWStep(1e-3f, 0.9f, 0.95f, 1e-8f, 0.1f, 1000), 1));
        tests.add(step(context, 33, new AdamWStep(1e-2f, 0.9f, 0.999f, 1e-3f, 0f, 3), 1e-4));
        return tests.stream();
    }

    private static DynamicTest step(CheckContext context, int n, AdamWStep s, double gradSize) {
        String name = "adamW n=" + n + " step=" + s.step() + " lr=" + s.lr() + " betas=" + s.beta1() + "/" + s.beta2()
                + " eps=" + s.eps() + " weightDecay=" + s.weightDecay();
        return context.test(name, trial -> {
            Twin param = trial.input(RandomData.uniform(trial.random(), n, -1, 1));
            Twin grad = trial.input(RandomData.uniform(trial.random(), n, -gradSize, gradSize));
            // The first step starts from zero moments, later ones from moments of the gradients' size.
            boolean first = s.step() == 1;
            Twin m = trial.input(first ? new float[n] : RandomData.uniform(trial.random(), n, -gradSize, gradSize));
            Twin v = trial.input(first ? new float[n]
                    : RandomData.uniform(trial.random(), n, 0, gradSize * gradSize));
            double[] p = param.values();
            double[] g = grad.values();
            double[] m0 = m.values();
            double[] ms = m.values();
            double[] vs = v.values();
            AdamW.step(s, p, g, ms, vs);
            double[] paramSize = new double[n];
            double[] mSize = new double[n];
            for (int i = 0; i < n; i++) {
                paramSize[i] = Math.abs(p[i]) + AdamW.updateSize(s, ms[i], vs[i]);
                mSize[i] = s.beta1() * Math.abs(m0[i]) + (1 - s.beta1()) * Math.abs(g[i]);
            }
            trial.run((kernels, on) -> kernels.adamW(s, on.at(param), on.at(grad), on.at(m), on.at(v), n));
            trial.check("param", param, Tolerance.relative(Tolerances.FUNCTIONS).relativeTo(paramSize));
            trial.check("m", m, Tolerance.relative(Tolerances.ACCUMULATION).relativeTo(mSize));
            trial.check("v", v, Tolerance.relative(Tolerances.FUNCTIONS));
        });
    }
}
