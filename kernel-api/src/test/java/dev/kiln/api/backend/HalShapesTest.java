package dev.kiln.api.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HalShapesTest {

    @Test
    void gemmDefaultsToContiguousLeadingDimensions() {
        Gemm g = Gemm.of(false, true, 4, 5, 6);
        assertEquals(6, g.lda());
        assertEquals(6, g.ldb());
        assertEquals(5, g.ldc());
        assertEquals(2L * 4 * 5 * 6, g.flops());
        Gemm b = Gemm.batched(true, false, 4, 5, 6, 3);
        assertEquals(4, b.lda());
        assertEquals(24, b.strideA());
        assertEquals(30, b.strideB());
        assertEquals(20, b.strideC());
        assertEquals(1f, b.accumulate().beta());
    }

    @Test
    void gemmRejectsLeadingDimensionsTooSmallForTheShape() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Gemm(false, false, 4, 5, 6, 1, 0, 5, 5, 5, 1, 0, 0, 0));
        assertTrue(e.getMessage().startsWith("gemm: leading dimensions lda=5"), e.getMessage());
    }

    @Test
    void attentionRejectsHeadsThatDoNotGroup() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AttentionShape.causalSelf(1, 8, 6, 4, 16));
        assertEquals("attention: heads 6 is not a multiple of kvHeads 4", e.getMessage());
    }

    @Test
    void attentionRejectsQueriesBeyondTheKeys() {
        assertThrows(IllegalArgumentException.class,
                () -> new AttentionShape(1, 2, 4, 4, 2, 2, 8, 0.35f, true, 3));
        AttentionShape decode = new AttentionShape(1, 1, 4, 16, 2, 1, 8, 0.35f, true, 3);
        assertEquals(16L * 8, decode.keyElements());
    }

    @Test
    void ropeNeedsAnEvenRotaryDim() {
        assertThrows(IllegalArgumentException.class,
                () -> new RopeSpec(64, 63, 10000, false, RopeSpec.Scaling.NONE));
        assertThrows(IllegalArgumentException.class,
                () -> new RopeSpec(64, 128, 10000, false, RopeSpec.Scaling.NONE));
    }

    @Test
    void outOfMemorySaysHowMuchWasAskedAndFree() {
        DeviceMemoryException e = new DeviceMemoryException("cpu", 3L << 30, 512L << 20);
        assertEquals("cpu: out of memory: asked for 3.00 GiB, 512.0 MiB free", e.getMessage());
    }
}
