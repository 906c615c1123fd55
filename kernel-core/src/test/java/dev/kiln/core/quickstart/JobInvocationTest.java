package dev.kiln.core.quickstart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.command.CommandSpec;
import dev.kiln.api.command.OptionSpec;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Options set in code read as the command line would give them: typed, with the spec's defaults. */
class JobInvocationTest {

    private static final CommandSpec SPEC = CommandSpec.summary("test")
            .option(OptionSpec.of("--train_type", "--tuner_type").defaultValue("lora").build())
            .option(OptionSpec.of("--merge_lora").type(Boolean.class).defaultValue("false").build())
            .option(OptionSpec.of("--max_steps").type(Long.class).defaultValue("-1").build())
            .option(OptionSpec.of("--learning_rate").type(Double.class).build())
            .option(OptionSpec.of("--dataset").repeatable(true).build())
            .build();

    private static JobInvocation invocation(Map<String, List<String>> values) {
        PrintStream none = new PrintStream(PrintStream.nullOutputStream());
        return new JobInvocation(SPEC, values, none, none, Path.of("/work"));
    }

    @Test
    void givenValuesAreConvertedToTheTypeAskedFor() {
        JobInvocation in = invocation(Map.of("merge_lora", List.of("true"), "max_steps", List.of("600"),
                "learning_rate", List.of("3e-3"), "dataset", List.of("a.txt", "builtin:self-cognition")));
        assertTrue(in.flag("--merge_lora"));
        assertEquals(600L, in.require("--max_steps", Long.class));
        assertEquals("600", in.require("max_steps", String.class), "as text, as the training job reads it");
        assertEquals(3e-3, in.require("--learning_rate", Double.class));
        assertEquals(List.of("a.txt", "builtin:self-cognition"), in.values("--dataset"));
        assertEquals("a.txt", in.option("--dataset", String.class).orElseThrow());
    }

    @Test
    void anOptionLeftOutHasItsDefaultUnderAnyOfItsNames() {
        JobInvocation in = invocation(Map.of());
        assertEquals("lora", in.require("--tuner_type", String.class));
        assertFalse(in.flag("--merge_lora"));
        assertEquals(List.of("-1"), in.values("--max_steps"));
        assertTrue(in.option("--learning_rate", Double.class).isEmpty());
        assertEquals(List.of(), in.values("--dataset"));
        assertEquals("full", invocation(Map.of("tuner_type", List.of("full"))).require("--train_type", String.class));
    }

    @Test
    void anOptionTheCommandLacksIsAnError() {
        var e = assertThrows(IllegalArgumentException.class, () -> invocation(Map.of("lora_rnk", List.of("8"))));
        assertEquals("the command declares no option lora_rnk", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> invocation(Map.of()).option("--nope", String.class));
        assertEquals(Path.of("/work"), invocation(Map.of()).workingDirectory());
    }
}
