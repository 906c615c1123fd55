package dev.kiln.api.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class DatasetSpecTest {

    @Test
    void aPathWithARowCount() {
        DatasetSpec spec = DatasetSpec.parse("data/train.jsonl#500");
        assertEquals("data/train.jsonl", spec.source());
        assertEquals(OptionalInt.of(500), spec.sampleCount());
        assertEquals("data/train.jsonl#500", spec.text());
    }

    @Test
    void withoutACountAllRowsAreMeant() {
        DatasetSpec spec = DatasetSpec.parse("AI-ModelScope/alpaca-gpt4-data-zh:default");
        assertEquals("AI-ModelScope/alpaca-gpt4-data-zh:default", spec.source());
        assertEquals(OptionalInt.empty(), spec.sampleCount());
    }

    @Test
    void onlyTheLastHashIsTheCount() {
        DatasetSpec spec = DatasetSpec.parse("dir#1/file.jsonl#7");
        assertEquals("dir#1/file.jsonl", spec.source());
        assertEquals(OptionalInt.of(7), spec.sampleCount());
    }

    @Test
    void aBadCountIsRejectedQuotingTheSpec() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DatasetSpec.parse("builtin:self-cognition#ten"));
        assertEquals("dataset 'builtin:self-cognition#ten': '#ten' must be a positive number of rows",
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DatasetSpec.parse("a.jsonl#0"));
        assertThrows(IllegalArgumentException.class, () -> DatasetSpec.parse("a.jsonl#-3"));
        assertThrows(IllegalArgumentException.class, () -> DatasetSpec.parse("#5"));
    }
}
