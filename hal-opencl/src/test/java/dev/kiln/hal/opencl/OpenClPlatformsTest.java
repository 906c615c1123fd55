package dev.kiln.hal.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class OpenClPlatformsTest {

    /** What JOCL throws when the ICD loader's libOpenCL.so is missing. */
    private static final String JOCL_WITHOUT_LOADER =
            "Could not initialize native OpenCL library. Implementation library could not be loaded";

    @Test
    void withoutTheIcdLoaderTheReasonSaysWhatToInstall() {
        String reason = OpenClPlatforms.linkProblem(new UnsatisfiedLinkError(JOCL_WITHOUT_LOADER));
        assertTrue(reason.startsWith("no OpenCL ICD loader: libOpenCL.so could not be loaded"), reason);
        assertTrue(reason.contains("ocl-icd-libopencl1"), reason);
    }

    @Test
    void laterAttemptsFindTheFirstFailureAmongTheCauses() {
        // After JOCL's class failed to initialize, every use throws NoClassDefFoundError.
        NoClassDefFoundError later = new NoClassDefFoundError("Could not initialize class org.jocl.CL");
        later.initCause(new ExceptionInInitializerError("Exception java.lang.UnsatisfiedLinkError: "
                + JOCL_WITHOUT_LOADER + " [in thread \"main\"]"));
        assertTrue(OpenClPlatforms.linkProblem(later).startsWith("no OpenCL ICD loader"));
    }

    @Test
    void aMissingJoclLibraryNamesThePlatform() {
        String reason = OpenClPlatforms.linkProblem(new UnsatisfiedLinkError("no JOCL_2_0_5-linux-riscv64"));
        assertTrue(reason.startsWith("JOCL's native library could not be loaded on "), reason);
        assertTrue(reason.endsWith("no JOCL_2_0_5-linux-riscv64"), reason);
    }

    @Test
    void theKernelsNeedOpenClC12() {
        assertTrue(OpenClPlatforms.supportsOpenClC12("OpenCL C 1.2 PoCL"));
        assertTrue(OpenClPlatforms.supportsOpenClC12("OpenCL C 3.0 "));
        assertFalse(OpenClPlatforms.supportsOpenClC12("OpenCL C 1.1"));
        assertFalse(OpenClPlatforms.supportsOpenClC12("garbage"));
    }

    @Test
    void onThisMachineProbingNeverThrows() {
        OpenClPlatforms.Probe probe = OpenClPlatforms.probe();
        assertEquals(probe.available(), !probe.devices().isEmpty(), probe.toString());
        assertEquals(probe.available(), probe.unavailableReason() == null, probe.toString());
    }
}
