package dev.kiln.core.train.job;

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

/** Where a {@code --model} is: a local directory or file, else a hub id from the cache or downloaded. */
public final class ModelLocations {

    private ModelLocations() {}

    /**
     * @throws CommandException naming the model when it is neither on disk nor on the hub
     */
    public static Path resolve(String model, boolean useHf, Path cwd, PrintStream err)
            throws CommandException {
        Path local = cwd.resolve(model).normalize();
        if (Files.exists(local) || !HubClient.isHubId(model)) {
            if (!Files.exists(local)) {
                throw new CommandException("--model " + model + ": no such file or directory");
            }
            return local;
        }
        HubSource source = useHf ? HubSource.HUGGING_FACE : HubSource.MODEL_SCOPE;
        try (HubClient hub = HubClient.fromEnvironment()) {
            return hub.resolve(ModelId.parse(model), source, FilePatterns.modelDefaults(),
                    new DownloadProgress(err));
        } catch (HubException | IllegalArgumentException e) {
            throw new CommandException("--model " + model + ": " + e.getMessage(), e);
        }
    }

    /** How an adapter or checkpoint names the model: a hub id as given, else the absolute path. */
    public static String nameOrPath(String model, Path resolved, Path cwd) {
        return Files.exists(cwd.resolve(model)) ? resolved.toAbsolutePath().toString() : model;
    }
}
