package dev.kiln.api.command;

/**
 * A failure that the user sees as one line on standard error, with the given exit code, and no
 * stack trace. Use it for bad input and for conditions the user can fix.
 */
public class CommandException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Exit code of a command line the user got wrong (unknown option, bad value). */
    public static final int USAGE = 2;

    /** Exit code of a command that ran and failed. */
    public static final int FAILURE = 1;

    private final int exitCode;

    public CommandException(String message) {
        this(message, FAILURE);
    }

    public CommandException(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    public CommandException(String message, Throwable cause) {
        super(message, cause);
        this.exitCode = FAILURE;
    }

    /** The process exit code to report. */
    public int exitCode() {
        return exitCode;
    }
}
