package dev.kiln.hal.opencl;

/** The OpenCL C compiler rejected Kiln's kernels for a device: the message holds its log. */
public final class OpenClBuildException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final String log;

    OpenClBuildException(String program, String device, String options, String log, Throwable cause) {
        super("opencl: building the " + program + " kernels for " + device + " failed (options: " + options + ")"
                + (log.isBlank() ? "; the compiler left no log" : "; the compiler's log:\n" + log.strip()), cause);
        this.log = log;
    }

    /** What the compiler said. */
    public String log() {
        return log;
    }
}
