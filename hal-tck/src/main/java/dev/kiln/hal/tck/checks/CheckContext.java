package dev.kiln.hal.tck.checks;

import dev.kiln.api.backend.Device;
import java.util.Objects;
import org.junit.jupiter.api.DynamicTest;

/** What every check family needs: the device under test, the options, and a way to make tests. */
public final class CheckContext {

    /** The body of one test. */
    @FunctionalInterface
    public interface TrialBody {
        void run(Trial trial) throws Exception;
    }

    private final Device underTest;
    private final KitOptions options;

    public CheckContext(Device underTest, KitOptions options) {
        this.underTest = Objects.requireNonNull(underTest, "device");
        this.options = Objects.requireNonNull(options, "options");
    }

    public Device device() {
        return underTest;
    }

    public KitOptions options() {
        return options;
    }

    /** A dynamic test that runs {@code body} in a fresh {@link Trial} and releases its buffers. */
    public DynamicTest test(String name, TrialBody body) {
        return DynamicTest.dynamicTest(name, () -> {
            try (Trial trial = new Trial(underTest, options, name)) {
                body.run(trial);
            }
        });
    }
}
