package dev.kiln.api.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ShapeTest {

    @Test
    void dimensionsCountFromEitherEnd() {
        Shape s = Shape.of(2, 3, 4);
        assertEquals(3, s.rank());
        assertEquals(2, s.dim(0));
        assertEquals(4, s.dim(-1));
        assertEquals(3, s.dim(-2));
        assertEquals(24, s.numel());
        assertEquals("[2, 3, 4]", s.toString());
    }

    @Test
    void numelDoesNotOverflowAnInt() {
        assertEquals(151_936L * 4096 * 2, Shape.of(151_936, 4096, 2).numel());
    }

    @Test
    void aScalarHasOneElement() {
        assertEquals(0, Shape.scalar().rank());
        assertEquals(1, Shape.scalar().numel());
        assertEquals(Shape.scalar(), Shape.of());
    }

    @Test
    void shapesAreValues() {
        int[] dims = {5, 6};
        Shape s = Shape.of(dims);
        dims[0] = 9;
        assertEquals(Shape.of(5, 6), s);
        assertEquals(Shape.of(5, 6).hashCode(), s.hashCode());
        assertNotEquals(Shape.of(6, 5), s);
    }

    @Test
    void badDimensionsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Shape.of(2, -1));
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> Shape.of(2, 3).dim(2));
        assertEquals("dimension 2 of a rank-2 shape [2, 3]", e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> Shape.of(2, 3).dim(-3));
    }
}
