package dev.kiln.launcher;

/** Something that stops the launcher before the kernel runs, told to the user in one line. */
final class LaunchException extends Exception {

    private static final long serialVersionUID = 1L;

    private final int exitCode;

    LaunchException(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
