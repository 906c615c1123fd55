package dev.kiln.api.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class OptionSpecTest {

    @Test
    void anOptionKeepsWhatItWasBuiltWith() {
        OptionSpec o = OptionSpec.of("--lora_rank", "-r").type(Integer.class).defaultValue("8")
                .description("rank").build();
        assertEquals(List.of("--lora_rank", "-r"), o.names());
        assertEquals(Integer.class, o.type());
        assertEquals(Optional.of("8"), o.defaultValue());
    }

    @Test
    void aNameWithoutADashIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OptionSpec.of("model"));
        assertEquals("option name must start with '-': model", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> OptionSpec.of());
    }
}
