package dev.kiln.core.tensor;

import dev.kiln.api.backend.Device;
import dev.kiln.hal.cpu.CpuDevice;
import org.junit.jupiter.api.AfterAll;

/**
 * The training tests on the fast CPU backend with two threads: learning, bit-identical reruns,
 * checkpointing, and memory that returns to its level after every step.
 */
class CpuTrainingTest extends TrainingTest {

    private static final CpuDevice CPU = new CpuDevice(2);

    @AfterAll
    static void stopCpuThreads() {
        CPU.close();
    }

    @Override
    Device newDevice() {
        return CPU;
    }
}
