package dev.kiln.core.cli;

import dev.kiln.api.command.Command;
import dev.kiln.api.command.CommandException;
import dev.kiln.api.command.CommandSpec;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * The {@code kiln} command line: parses arguments with picocli against the {@link Command}
 * services present at this moment, and runs the chosen one.
 *
 * <p>The launcher lives outside the framework and shares no Kiln classes with it, so it finds
 * this service by the property {@value #ENTRY_POINT_FILTER} and calls
 * {@link #run(String[], PrintStream, PrintStream, String)}, whose signature uses JDK types only.
 */
@Component(service = KilnCommandLine.class, property = "kiln.entrypoint=cli")
public final class KilnCommandLine {

    /** How the launcher finds this service. */
    public static final String ENTRY_POINT_FILTER = "(kiln.entrypoint=cli)";

    /** Options the launcher reads before the framework starts; listed here so help shows them. */
    static final String PLUGINS_DIR_OPTION = "--plugins-dir";

    private final CommandRegistry registry;
    private final String version;

    @Activate
    public KilnCommandLine(@Reference CommandRegistry registry, BundleContext context) {
        this(registry, context.getBundle().getVersion().toString());
    }

    KilnCommandLine(CommandRegistry registry, String version) {
        this.registry = registry;
        this.version = version;
    }

    /**
     * Runs {@code kiln args...}.
     *
     * @return the process exit code: 0 success, 1 failure, 2 bad command line
     */
    public int run(String[] args, PrintStream out, PrintStream err, String workingDirectory) {
        Map<String, CommandLine> subcommands = new HashMap<>();
        CommandLine root = buildRoot(subcommands);
        ParseResult parsed;
        try {
            parsed = root.parseArgs(args);
        } catch (CommandLine.UnmatchedArgumentException e) {
            err.println("kiln: " + describeUnmatched(e, args));
            e.getCommandLine().usage(err);
            return CommandException.USAGE;
        } catch (ParameterException e) {
            err.println("kiln: " + e.getMessage());
            e.getCommandLine().usage(err);
            return CommandException.USAGE;
        }
        if (root.isUsageHelpRequested()) {
            root.usage(out);
            return 0;
        }
        if (root.isVersionHelpRequested()) {
            root.printVersionHelp(out);
            return 0;
        }
        if (!parsed.hasSubcommand()) {
            err.println("kiln: a subcommand is required");
            root.usage(err);
            return CommandException.USAGE;
        }
        ParseResult sub = parsed.subcommand();
        CommandLine subLine = sub.commandSpec().commandLine();
        if (subLine.isUsageHelpRequested()) {
            subLine.usage(out);
            return 0;
        }
        String name = sub.commandSpec().name();
        Command command = (Command) sub.commandSpec().userObject();
        Map<String, OptionSpec> options = new HashMap<>();
        for (OptionSpec option : sub.commandSpec().options()) {
            for (String optionName : option.names()) {
                options.put(ParsedInvocation.stripDashes(optionName), option);
            }
        }
        List<String> parameters = new ArrayList<>();
        for (PositionalParamSpec p : sub.commandSpec().positionalParameters()) {
            List<String> values = p.getValue();
            if (values != null) {
                parameters.addAll(values);
            }
        }
        ParsedInvocation invocation = new ParsedInvocation(
                options, parameters, out, err, Path.of(workingDirectory));
        try {
            return command.run(invocation);
        } catch (CommandException e) {
            err.println("kiln " + name + ": " + e.getMessage());
            return e.exitCode();
        } catch (Exception | LinkageError e) {
            err.println("kiln " + name + ": failed: " + e);
            e.printStackTrace(new PrintWriter(err, true));
            return CommandException.FAILURE;
        }
    }

    /** "unknown command 'x'" for a mistyped subcommand, picocli's message for the rest. */
    private static String describeUnmatched(CommandLine.UnmatchedArgumentException e, String[] args) {
        List<String> unmatched = e.getUnmatched();
        boolean atRoot = e.getCommandLine().getCommandSpec().parent() == null;
        if (atRoot && !unmatched.isEmpty() && !unmatched.get(0).startsWith("-")) {
            return "unknown command '" + unmatched.get(0) + "' (see 'kiln --help')";
        }
        if (!unmatched.isEmpty() && unmatched.get(0).startsWith("-")) {
            return "unknown option '" + unmatched.get(0) + "' for 'kiln"
                    + (atRoot ? "" : " " + e.getCommandLine().getCommandName()) + "'";
        }
        return e.getMessage();
    }

    private CommandLine buildRoot(Map<String, CommandLine> subcommands) {
        CommandLine.Model.CommandSpec root = CommandLine.Model.CommandSpec.create()
                .name("kiln")
                .version("Kiln " + version);
        root.mixinStandardHelpOptions(true);
        root.usageMessage()
                .description("Train, align, quantize and serve large language models on the JVM.")
                .footer("", "Run 'kiln COMMAND --help' for the options of a command.",
                        "Plugins in the plugins folder can add commands.");
        root.addOption(OptionSpec.builder(PLUGINS_DIR_OPTION)
                .paramLabel("DIR")
                .type(Path.class)
                .description("Folder of plugin bundles to load (default: plugins/ of the installation).")
                .build());
        registry.snapshot().forEach((name, entry) -> {
            CommandLine sub = new CommandLine(specOf(name, entry.command()));
            subcommands.put(name, sub);
            root.addSubcommand(name, sub);
        });
        CommandLine line = new CommandLine(root);
        line.setUsageHelpWidth(100);
        return line;
    }

    /** Translates a command's {@link CommandSpec} into picocli's model. */
    static CommandLine.Model.CommandSpec specOf(String name, Command command) {
        CommandSpec spec = command.spec();
        CommandLine.Model.CommandSpec cs = CommandLine.Model.CommandSpec.wrapWithoutInspection(command);
        cs.name(name);
        cs.mixinStandardHelpOptions(false);
        cs.addOption(OptionSpec.builder("-h", "--help")
                .usageHelp(true)
                .description("Show this help and exit.")
                .build());
        List<String> description = new ArrayList<>();
        description.add(spec.summary());
        if (!spec.description().isEmpty()) {
            description.add("");
            description.addAll(spec.description());
        }
        cs.usageMessage().description(description.toArray(String[]::new));
        for (dev.kiln.api.command.OptionSpec option : spec.options()) {
            cs.addOption(optionOf(option));
        }
        if (spec.acceptsParameters()) {
            cs.addPositional(PositionalParamSpec.builder()
                    .paramLabel(spec.parametersLabel())
                    .description(spec.parametersDescription())
                    .arity("0..*")
                    .type(List.class)
                    .auxiliaryTypes(String.class)
                    .build());
        }
        return cs;
    }

    private static OptionSpec optionOf(dev.kiln.api.command.OptionSpec option) {
        OptionSpec.Builder b = OptionSpec.builder(option.names().toArray(String[]::new))
                .description(option.description())
                .required(option.required());
        if (option.paramLabel() != null) {
            b.paramLabel(option.paramLabel());
        }
        if (option.repeatable()) {
            b.type(List.class).auxiliaryTypes(option.type()).arity("1..*");
        } else if (option.type() == Boolean.class && option.defaultValue().isEmpty()) {
            b.type(Boolean.class).arity("0");
        } else if (option.type() == Boolean.class) {
            // ms-swift spells booleans with a value (--merge_lora true); a bare flag means true.
            b.type(Boolean.class).arity("0..1");
        } else {
            b.type(option.type());
        }
        option.defaultValue().ifPresent(b::defaultValue);
        return b.build();
    }
}
