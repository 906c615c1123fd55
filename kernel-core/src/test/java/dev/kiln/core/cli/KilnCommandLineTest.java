package dev.kiln.core.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.command.Command;
import dev.kiln.api.command.CommandException;
import dev.kiln.api.command.CommandName;
import dev.kiln.api.command.CommandSpec;
import dev.kiln.api.command.Invocation;
import dev.kiln.api.command.OptionSpec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Constants;

class KilnCommandLineTest {

    private static final AtomicLong SERVICE_IDS = new AtomicLong();

    private final CommandRegistry registry = new CommandRegistry();
    private final KilnCommandLine cli = new KilnCommandLine(registry, "1.2.3");
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final List<Invocation> invocations = new ArrayList<>();

    /** A command like an ms-swift trainer's: typed options, defaults, lists, flags, parameters. */
    private final Command train = new Command() {
        @Override
        public CommandSpec spec() {
            return CommandSpec.summary("Train a model.")
                    .option(OptionSpec.of("--model").required(true).description("model dir").build())
                    .option(OptionSpec.of("--lora_rank").type(Integer.class).defaultValue("8").build())
                    .option(OptionSpec.of("--learning_rate").type(Double.class).defaultValue("1e-4").build())
                    .option(OptionSpec.of("--output_dir").type(Path.class).defaultValue("output").build())
                    .option(OptionSpec.of("--dataset").repeatable(true).build())
                    .option(OptionSpec.of("--merge_lora").type(Boolean.class).defaultValue("false").build())
                    .option(OptionSpec.flag("--dry-run", "do nothing"))
                    .parameters("FILE", "extra files")
                    .build();
        }

        @Override
        public int run(Invocation invocation) {
            invocations.add(invocation);
            return 0;
        }
    };

    @BeforeEach
    void register() {
        add("train", train, 0);
    }

    @Test
    void optionsArriveTypedWithDefaultsApplied() {
        int code = run("train", "--model", "m", "--dataset", "a.jsonl#500", "b.jsonl",
                "--merge_lora", "true", "x.txt");
        assertEquals(0, code, text(err));
        Invocation inv = invocations.get(0);
        assertEquals("m", inv.require("--model", String.class));
        assertEquals(8, inv.require("lora_rank", Integer.class));
        assertEquals(1e-4, inv.require("--learning_rate", Double.class));
        assertEquals(Path.of("output"), inv.require("--output_dir", Path.class));
        assertEquals(List.of("a.jsonl#500", "b.jsonl"), inv.values("--dataset"));
        assertEquals(true, inv.require("--merge_lora", Boolean.class));
        assertEquals(false, inv.flag("--dry-run"));
        assertEquals(List.of("x.txt"), inv.parameters());
        assertEquals(Path.of("/work"), inv.workingDirectory());
    }

    @Test
    void flagsAndEqualsSyntaxWork() {
        assertEquals(0, run("train", "--model=m", "--lora_rank=16", "--dry-run"), text(err));
        Invocation inv = invocations.get(0);
        assertEquals(16, inv.require("--lora_rank", Integer.class));
        assertTrue(inv.flag("--dry-run"));
    }

    @Test
    void aBooleanWithADefaultTakesAValueOrStandsAlone() {
        assertEquals(0, run("train", "--model", "m", "--merge_lora", "false", "f"), text(err));
        assertEquals(false, invocations.get(0).require("--merge_lora", Boolean.class));
        assertEquals(List.of("f"), invocations.get(0).parameters());
        assertEquals(0, run("train", "--model", "m", "--merge_lora"), text(err));
        assertEquals(true, invocations.get(1).require("--merge_lora", Boolean.class));
    }

    @Test
    void aBadValueIsAUsageErrorNamingTheOption() {
        assertEquals(CommandException.USAGE, run("train", "--model", "m", "--lora_rank", "eight"));
        assertTrue(text(err).contains("--lora_rank"), text(err));
        assertTrue(text(err).contains("Usage: kiln train"), text(err));
        assertTrue(invocations.isEmpty());
    }

    @Test
    void aMissingRequiredOptionIsAUsageError() {
        assertEquals(CommandException.USAGE, run("train"));
        assertTrue(text(err).contains("--model"), text(err));
    }

    @Test
    void unknownCommandAndOptionAreUsageErrors() {
        assertEquals(CommandException.USAGE, run("nope"));
        assertTrue(text(err).startsWith("kiln: unknown command 'nope' (see 'kiln --help')"), text(err));
        err.reset();
        assertEquals(CommandException.USAGE, run("train", "--model", "m", "--bogus"));
        assertTrue(text(err).startsWith("kiln: unknown option '--bogus' for 'kiln train'"), text(err));
        err.reset();
        assertEquals(CommandException.USAGE, run());
        assertTrue(text(err).startsWith("kiln: a subcommand is required"), text(err));
    }

    @Test
    void helpListsRegisteredCommandsAndFollowsThemAsTheyComeAndGo() {
        assertEquals(0, run("--help"));
        assertTrue(text(out).contains("train  Train a model."), text(out));
        assertTrue(!text(out).contains("hello"), text(out));

        Command hello = fixed("Say hello.", 0, "hello!");
        long id = add("hello", hello, 0);
        out.reset();
        assertEquals(0, run("--help"));
        assertTrue(text(out).contains("hello  Say hello."), text(out));

        registry.removeCommand(hello, properties("hello", id, 0));
        assertEquals(CommandException.USAGE, run("hello"));
    }

    @Test
    void theHigherRankedOfTwoCommandsWithOneNameWinsAndTheOtherTakesOver() {
        Command low = fixed("low", 0, "low");
        Command high = fixed("high", 0, "high");
        add("greet", low, 0);
        long highId = add("greet", high, 10);
        assertEquals(0, run("greet"));
        assertEquals("high\n", text(out));
        registry.removeCommand(high, properties("greet", highId, 10));
        out.reset();
        assertEquals(0, run("greet"));
        assertEquals("low\n", text(out));
    }

    @Test
    void aCommandExceptionIsOneLineWithItsExitCode() {
        add("fail", new Command() {
            @Override
            public CommandSpec spec() {
                return CommandSpec.summary("Fails.").build();
            }

            @Override
            public int run(Invocation invocation) throws CommandException {
                throw new CommandException("no such file: data.jsonl", 3);
            }
        }, 0);
        assertEquals(3, run("fail"));
        assertEquals("kiln fail: no such file: data.jsonl\n", text(err));
    }

    @Test
    void anUnexpectedExceptionFailsWithExitCode1AndATrace() {
        add("crash", new Command() {
            @Override
            public CommandSpec spec() {
                return CommandSpec.summary("Crashes.").build();
            }

            @Override
            public int run(Invocation invocation) {
                throw new IllegalStateException("bug");
            }
        }, 0);
        assertEquals(1, run("crash"));
        assertTrue(text(err).startsWith("kiln crash: failed: java.lang.IllegalStateException: bug"), text(err));
        assertTrue(text(err).contains("\tat "), text(err));
    }

    @Test
    void subcommandHelpShowsItsOptionsAndRunsNothing() {
        assertEquals(0, run("train", "--help"));
        assertTrue(text(out).contains("--lora_rank"), text(out));
        assertTrue(invocations.isEmpty());
    }

    @Test
    void versionComesFromTheKernel() {
        assertEquals(0, run("--version"));
        assertEquals("Kiln 1.2.3\n", text(out));
    }

    private int run(String... args) {
        return cli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), "/work");
    }

    private long add(String name, Command command, int ranking) {
        long id = SERVICE_IDS.incrementAndGet();
        registry.addCommand(command, properties(name, id, ranking));
        return id;
    }

    private static Map<String, Object> properties(String name, long id, int ranking) {
        return Map.of(CommandName.PROPERTY, name, Constants.SERVICE_ID, id,
                Constants.SERVICE_RANKING, ranking);
    }

    private static Command fixed(String summary, int code, String output) {
        return new Command() {
            @Override
            public CommandSpec spec() {
                return CommandSpec.summary(summary).build();
            }

            @Override
            public int run(Invocation invocation) {
                invocation.out().println(output);
                return code;
            }
        };
    }

    private static String text(ByteArrayOutputStream stream) {
        return stream.toString(StandardCharsets.UTF_8);
    }
}
