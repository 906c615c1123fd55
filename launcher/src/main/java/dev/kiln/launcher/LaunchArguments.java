package dev.kiln.launcher;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The few things the launcher must know before the framework starts, read from the command line
 * without consuming it (the kernel parses the whole line again, with every command's options):
 * the plugins folder, and which kind of runtime the subcommand needs.
 *
 * @param pluginsDir the {@code --plugins-dir} given before the subcommand, if any
 * @param mode what the subcommand needs from the runtime
 * @param args the whole command line, unchanged
 */
record LaunchArguments(Optional<Path> pluginsDir, RuntimeMode mode, List<String> args) {

    static final String PLUGINS_DIR = "--plugins-dir";

    /** What the runtime is started for. */
    enum RuntimeMode {
        /** Run one command and exit; plugins are installed once, at start. */
        ONE_SHOT,
        /**
         * {@code kiln app} and {@code kiln deploy}: stay up, hot-deploy the plugins folder (a
         * backend bundle dropped in becomes a place to move the served model to; one deleted
         * first moves its jobs off).
         */
        APP,
        /** {@code kiln shell}: as APP, with the Gogo shell on the console. */
        SHELL
    }

    static LaunchArguments parse(String[] args, Path workingDirectory) throws LaunchException {
        Path pluginsDir = null;
        RuntimeMode mode = RuntimeMode.ONE_SHOT;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals(PLUGINS_DIR)) {
                if (i + 1 >= args.length || args[i + 1].startsWith("-")) {
                    throw new LaunchException("option '" + PLUGINS_DIR + "' needs a folder", 2);
                }
                pluginsDir = workingDirectory.resolve(args[++i]).normalize();
            } else if (arg.startsWith(PLUGINS_DIR + "=")) {
                pluginsDir = workingDirectory.resolve(arg.substring(PLUGINS_DIR.length() + 1)).normalize();
            } else if (!arg.startsWith("-")) {
                // The first word is the subcommand; what follows belongs to it.
                mode = switch (arg) {
                    case "app", "deploy" -> RuntimeMode.APP;
                    case "shell" -> RuntimeMode.SHELL;
                    default -> RuntimeMode.ONE_SHOT;
                };
                break;
            }
        }
        return new LaunchArguments(Optional.ofNullable(pluginsDir), mode, List.of(args));
    }
}
