package dev.kiln.itests;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

/**
 * Runs {@code kiln ARGS...} in the framework the way the launcher does: it finds the service
 * registered with {@value #ENTRY_POINT_FILTER} and calls its
 * {@code run(String[], PrintStream, PrintStream, String)} reflectively, since the class
 * (KilnCommandLine) is private to kernel-core.
 */
final class Kiln {

    static final String ENTRY_POINT_FILTER = "(kiln.entrypoint=cli)";

    /** The exit code of a command line the user got wrong, such as an unknown command. */
    static final int USAGE_ERROR = 2;

    /** What a run printed, and its exit code. */
    record Result(int exitCode, String out, String err) {

        /** Whether this is {@code --help} output that offers {@code kiln <command>}. */
        boolean listsCommand(String command) {
            return Pattern.compile("(?m)^\\s+" + Pattern.quote(command) + "\\s").matcher(out).find();
        }

        @Override
        public String toString() {
            return "exit code " + exitCode + "\n--- out:\n" + out + "--- err:\n" + err;
        }
    }

    private final BundleContext context;

    Kiln(BundleContext context) {
        this.context = context;
    }

    Result run(String... args) {
        ServiceReference<?> reference = Services.await(context, ENTRY_POINT_FILTER);
        Object commandLine = context.getService(reference);
        try {
            Method run = commandLine.getClass().getMethod("run",
                    String[].class, PrintStream.class, PrintStream.class, String.class);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int exitCode;
            try (PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
                    PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8)) {
                exitCode = (Integer) run.invoke(commandLine, args, outStream, errStream,
                        System.getProperty("user.dir"));
            }
            return new Result(exitCode, out.toString(StandardCharsets.UTF_8),
                    err.toString(StandardCharsets.UTF_8));
        } catch (InvocationTargetException e) {
            throw new AssertionError("kiln " + String.join(" ", args) + " threw", e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("the CLI entry point has no run(String[], PrintStream, "
                    + "PrintStream, String) the launcher could call", e);
        } finally {
            context.ungetService(reference);
        }
    }
}
