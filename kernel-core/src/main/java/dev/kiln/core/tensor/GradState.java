package dev.kiln.core.tensor;

import dev.kiln.api.tensor.GradMode;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * This thread's gradient mode. Two switches: <em>recording</em> (ops build the graph) and
 * <em>training</em> (dropout drops). {@code noGrad()} turns both off; the forward of a
 * checkpointed block turns only recording off, so that its dropout matches the recomputation.
 */
final class GradState {

    private record Mode(boolean recording, boolean training) {}

    private static final Mode ON = new Mode(true, true);
    private static final ThreadLocal<Mode> MODE = ThreadLocal.withInitial(() -> ON);
    private static final ThreadLocal<Deque<Probe>> PROBES = ThreadLocal.withInitial(ArrayDeque::new);

    private GradState() {}

    static boolean recording() {
        return MODE.get().recording();
    }

    static boolean training() {
        return MODE.get().training();
    }

    /** Turns recording and training off until closed. */
    static GradMode noGrad() {
        return switchTo(new Mode(false, false));
    }

    /** Turns recording and training on until closed (the recomputation of a checkpoint). */
    static GradMode enable() {
        return switchTo(ON);
    }

    /** Turns recording off, leaving training as it is, until closed. */
    static GradMode suspendRecording() {
        return switchTo(new Mode(false, training()));
    }

    private static GradMode switchTo(Mode mode) {
        Mode previous = MODE.get();
        MODE.set(mode);
        return new GradMode() {
            private boolean closed;

            @Override
            public void close() {
                if (!closed) {
                    closed = true;
                    MODE.set(previous);
                }
            }
        };
    }

    /**
     * Starts watching for ops that, while not recording, see an operand that requires gradients:
     * how a checkpoint learns that its block uses parameters it was not given as inputs.
     */
    static Probe openProbe() {
        Probe probe = new Probe();
        PROBES.get().push(probe);
        return probe;
    }

    /** Called by an op that skipped recording although an operand requires gradients. */
    static void noteUnrecordedGradient() {
        for (Probe probe : PROBES.get()) {
            probe.sawGradient = true;
        }
    }

    /** See {@link #openProbe()}. */
    static final class Probe implements AutoCloseable {
        private boolean sawGradient;

        boolean sawGradient() {
            return sawGradient;
        }

        @Override
        public void close() {
            PROBES.get().remove(this);
        }
    }
}
