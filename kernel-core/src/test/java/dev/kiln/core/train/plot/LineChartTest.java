package dev.kiln.core.train.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class LineChartTest {

    @Test
    void ticksAreRoundValuesInsideTheRange() {
        assertEquals(List.of(0.0, 0.5, 1.0, 1.5, 2.0, 2.5), LineChart.ticks(0, 2.6));
        assertEquals(List.of(20.0, 40.0, 60.0, 80.0, 100.0), LineChart.ticks(11, 100));
        assertEquals(List.of(1.15, 1.2, 1.25, 1.3, 1.35, 1.4), LineChart.ticks(1.15, 1.42).stream()
                .map(t -> Math.round(t * 100) / 100.0).toList());
    }

    @Test
    void labelsHaveAtMostFourSignificantDigits() {
        assertEquals("0", LineChart.format(0));
        assertEquals("2.5", LineChart.format(2.5));
        assertEquals("1200", LineChart.format(1200));
        assertEquals("0.3333", LineChart.format(1.0 / 3));
        assertEquals("1.50e-5", LineChart.format(1.5e-5));
    }
}
