package dev.kiln.core.train.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.command.CommandException;
import dev.kiln.api.command.Invocation;
import dev.kiln.api.command.OptionSpec;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Command line over YAML over defaults, conversions, and the errors that name the option. */
class ResolvedArgumentsTest {

    private static final Path CWD = Path.of("/work");
    private static final List<Option> TABLE = TrainOptions.table(false);

    @Test
    void theCommandLineWinsOverYamlWhichWinsOverDefaults() throws Exception {
        YamlConfig yaml = YamlConfig.parse("""
                model: from-yaml
                learning_rate: 2e-4
                tuner_type: full
                dataset: [a.jsonl, b.jsonl]
                packing: true
                lora_rank: 16
                """, Path.of("/work/sft.yaml"));
        ResolvedArguments args = ResolvedArguments.resolve(TABLE,
                invocation(Map.of("--model", "from-cli"), Map.of()), yaml);
        assertEquals(Optional.of("from-cli"), args.string("model"));
        assertEquals(Optional.of(2e-4), args.decimal("learning_rate"));
        assertEquals(Optional.of("full"), args.string("train_type"), "ms-swift 4's name in YAML");
        assertEquals(List.of("a.jsonl", "b.jsonl"), args.list("dataset"));
        assertEquals(Optional.of(true), args.bool("packing"));
        assertEquals(Optional.of(0.95), args.decimal("adam_beta2"), "default");
        assertEquals(Optional.of(CWD.resolve("output")), args.path("output_dir"));
        assertTrue(args.given("learning_rate"));
        assertFalse(args.given("adam_beta2"));
        assertEquals(Map.of("lora_rank", 16), args.givenValues(TrainOptions.TUNER_OPTIONS));
        assertEquals(Optional.empty(), args.integer("max_length"), "no default: the job decides");
    }

    @Test
    void theCommandLineSpellsBooleansAndListsAsMsSwiftDoes() throws Exception {
        ResolvedArguments args = ResolvedArguments.resolve(TABLE, invocation(
                Map.of("--gradient_checkpointing", "false", "--tuner_type", "lora"),
                Map.of("--target_modules", List.of("q_proj", "v_proj"))), null);
        assertEquals(Optional.of(false), args.bool("gradient_checkpointing"));
        assertEquals(List.of("q_proj", "v_proj"), args.list("target_modules"));
        assertEquals(Optional.of("lora"), args.string("train_type"));
    }

    @Test
    void badValuesNameTheOptionAndWhereTheyCameFrom() {
        CommandException e = assertThrows(CommandException.class, () -> ResolvedArguments.resolve(TABLE,
                invocation(Map.of("--learning_rate", "fast"), Map.of()), null));
        assertEquals("--learning_rate: 'fast' is not a number", e.getMessage());
        assertEquals(CommandException.USAGE, e.exitCode());
        e = assertThrows(CommandException.class, () -> ResolvedArguments.resolve(TABLE,
                invocation(Map.of(), Map.of()), YamlConfig.parse("model: m\npacking: yes\n",
                        Path.of("/work/sft.yaml"))));
        assertEquals("/work/sft.yaml:2: packing: 'yes' is not true or false", e.getMessage());
        e = assertThrows(CommandException.class, () -> ResolvedArguments.resolve(TABLE,
                invocation(Map.of(), Map.of()), YamlConfig.parse("model: m\nlora_rnk: 8\n",
                        Path.of("/work/sft.yaml"))));
        assertEquals("/work/sft.yaml:2: unknown key 'lora_rnk' (did you mean 'lora_rank'?)", e.getMessage());
        e = assertThrows(CommandException.class, () -> ResolvedArguments.resolve(TABLE,
                invocation(Map.of(), Map.of()), YamlConfig.parse("model: m\nnonsense_key_entirely: 8\n",
                        Path.of("/work/sft.yaml"))));
        assertEquals("/work/sft.yaml:2: unknown key 'nonsense_key_entirely'; see 'kiln sft --help' for"
                + " the options", e.getMessage());
        e = assertThrows(CommandException.class, () -> ResolvedArguments.resolve(TABLE,
                invocation(Map.of(), Map.of()), YamlConfig.parse("train_type: lora\ntuner_type: full\n",
                        Path.of("/work/sft.yaml"))));
        assertEquals("/work/sft.yaml:2: 'tuner_type' sets train_type a second time", e.getMessage());
    }

    @Test
    void everyOptionIsDeclaredWithoutADefaultSoThatYamlCanFillIt() {
        for (OptionSpec spec : TrainOptions.spec(false).options()) {
            assertEquals(Optional.empty(), spec.defaultValue(), spec.names().toString());
        }
        assertEquals(List.of("--train_type", "--tuner_type"), TABLE.stream()
                .filter(o -> o.name().equals("train_type")).findFirst().orElseThrow().spec().names());
    }

    /** Options as the command line parsed them: single values, and lists. */
    private static Invocation invocation(Map<String, String> single, Map<String, List<String>> lists) {
        Map<String, Object> values = new HashMap<>();
        single.forEach((k, v) -> values.put(k, v));
        lists.forEach((k, v) -> values.put(k, v));
        // aliases resolve to the option's first name, as picocli does
        if (values.containsKey("--tuner_type")) {
            values.put("--train_type", values.remove("--tuner_type"));
        }
        return new Invocation() {
            @Override
            public <T> Optional<T> option(String name, Class<T> type) {
                return Optional.ofNullable(values.get(name)).map(type::cast);
            }

            @Override
            @SuppressWarnings("unchecked")
            public List<String> values(String name) {
                Object v = values.get(name);
                return v == null ? List.of() : v instanceof List<?> l ? (List<String>) l : List.of((String) v);
            }

            @Override
            public List<String> parameters() {
                return List.of();
            }

            @Override
            public PrintStream out() {
                return System.out;
            }

            @Override
            public PrintStream err() {
                return System.err;
            }

            @Override
            public Path workingDirectory() {
                return CWD;
            }
        };
    }
}
