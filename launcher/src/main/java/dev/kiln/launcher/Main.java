package dev.kiln.launcher;

/** {@code bin/kiln}: boots the runtime, runs one command in it, exits with its code. */
public final class Main {

    private Main() {}

    public static void main(String[] args) {
        Installation installation;
        try {
            installation = Installation.fromSystemProperties();
        } catch (LaunchException e) {
            System.err.println("kiln: " + e.getMessage());
            System.exit(e.exitCode());
            return;
        }
        int code = new Launcher(installation, System.out, System.err).run(args);
        System.exit(code);
    }
}
