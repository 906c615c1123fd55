package dev.kiln.serving;

import dev.kiln.api.command.CommandException;
import dev.kiln.core.hub.FilePatterns;
import dev.kiln.core.hub.HubClient;
import dev.kiln.core.hub.HubException;
import dev.kiln.core.hub.HubSource;
import dev.kiln.core.hub.ModelId;
import dev.kiln.core.infer.DownloadProgress;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code --model} as {@code kiln infer} takes it: a directory or file, else a hub id. */
final class ModelLocation {

    private ModelLocation() {}

    static Path resolve(String model, Path workingDirectory, boolean useHf, PrintStream progress)
            throws CommandException {
        Path local = workingDirectory.resolve(model).normalize();
        if (Files.exists(local) || !HubClient.isHubId(model)) {
            if (!Files.exists(local)) {
                throw new CommandException("--model " + model + ": no such file or directory");
            }
            return local;
        }
        HubSource source = useHf ? HubSource.HUGGING_FACE : HubSource.MODEL_SCOPE;
        try (HubClient hub = HubClient.fromEnvironment()) {
            return hub.resolve(ModelId.parse(model), source, FilePatterns.modelDefaults(),
                    new DownloadProgress(progress));
        } catch (HubException | IllegalArgumentException e) {
            throw new CommandException("--model " + model + ": " + e.getMessage(), e);
        }
    }

    /**
     * The name a model is served as by default: its directory's or file's name (without
     * {@code .gguf}), or a hub id's last part, as ms-swift names it.
     */
    static String defaultName(String model) {
        String name = model.replace('\\', '/');
        while (name.endsWith("/")) {
            name = name.substring(0, name.length() - 1);
        }
        name = name.substring(name.lastIndexOf('/') + 1);
        int at = name.indexOf('@');
        if (at > 0) {
            name = name.substring(0, at);
        }
        return name.endsWith(".gguf") ? name.substring(0, name.length() - 5) : name;
    }
}
