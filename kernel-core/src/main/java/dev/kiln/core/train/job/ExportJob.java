package dev.kiln.core.train.job;

import dev.kiln.api.backend.Device;
import dev.kiln.api.command.CommandException;
import dev.kiln.api.command.CommandSpec;
import dev.kiln.api.command.Invocation;
import dev.kiln.api.command.OptionSpec;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tuner.Tuner;
import dev.kiln.api.tuner.Tuner.TunedModel;
import dev.kiln.core.model.LoadedModel;
import dev.kiln.core.model.ModelLoader;
import dev.kiln.core.model.TorchDtype;
import dev.kiln.core.train.ModelDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * {@code kiln export --adapters DIR --merge_lora true}: the base model with the adapter folded
 * into its weights, written as a Hugging Face directory (config.json, model.safetensors, the
 * base's tokenizer files and generation config) that {@code kiln infer} and transformers load.
 * The output goes to {@code --output_dir}, by default {@code DIR-merged} as ms-swift names it;
 * it is written under a temporary name and renamed when complete.
 */
public final class ExportJob {

    private final TrainingServices services;

    public ExportJob(TrainingServices services) {
        this.services = services;
    }

    public static CommandSpec spec() {
        return CommandSpec.summary("Export a trained adapter: merged into its base model.")
                .description("With --merge_lora true, the adapter of --adapters is folded into the"
                        + " base model's weights and the result is written as a Hugging Face model"
                        + " directory that 'kiln infer --model' and transformers load.")
                .option(OptionSpec.of("--adapters").paramLabel("DIR").required(true)
                        .description("The adapter: a checkpoint-N directory with adapter_config.json"
                                + " (kiln's or PEFT's).").build())
                .option(OptionSpec.of("--merge_lora").type(Boolean.class).defaultValue("false")
                        .description("Fold the adapter into the base weights (the export Kiln does"
                                + " so far).").build())
                .option(OptionSpec.of("--model").paramLabel("DIR|ORG/NAME")
                        .description("The base model (default: the adapter's"
                                + " base_model_name_or_path).").build())
                .option(OptionSpec.of("--output_dir").paramLabel("DIR")
                        .description("Where the merged model goes (default: ADAPTERS-merged).").build())
                .option(OptionSpec.of("--torch_dtype").paramLabel("DTYPE").defaultValue("auto")
                        .description("The merged weights' dtype: float32, bfloat16, float16, or auto"
                                + " (the base checkpoint's).").build())
                .option(OptionSpec.of("--device").paramLabel("NAME[:INDEX]")
                        .description("The backend to merge on.").build())
                .option(OptionSpec.of("--use_hf").type(Boolean.class).defaultValue("true")
                        .description("Download a hub id from Hugging Face; false: ModelScope.").build())
                .build();
    }

    public int run(Invocation in) throws Exception {
        if (!in.flag("--merge_lora")) {
            throw new CommandException("kiln export: give --merge_lora true (merging an adapter into"
                    + " its base model is what export does so far)", CommandException.USAGE);
        }
        Path adapters = in.workingDirectory().resolve(in.require("--adapters", String.class)).normalize();
        try {
            AdapterDirectory adapter = AdapterDirectory.read(adapters);
            Path output = in.option("--output_dir", String.class)
                    .map(p -> in.workingDirectory().resolve(p).normalize())
                    .orElse(adapters.resolveSibling(adapters.getFileName() + "-merged"));
            if (Files.exists(output) && !isEmptyDirectory(output)) {
                throw new CommandException("--output_dir " + output + " exists and is not empty;"
                        + " remove it or give another");
            }
            Tuner tuner = services.tuner(adapter.tuner());
            String baseName = adapter.baseModel(in.option("--model", String.class));
            Path base = ModelLocations.resolve(baseName, in.flag("--use_hf"), in.workingDirectory(),
                    in.err());
            Device device;
            try {
                device = services.backends().open(in.option("--device", String.class).orElse(null));
            } catch (IllegalStateException e) {
                throw new CommandException("--device: " + e.getMessage());
            }
            TensorOps ops = services.engine().on(device);
            TorchDtype dtype = TorchDtype.parse(in.require("--torch_dtype", String.class));
            try (LoadedModel loaded = new ModelLoader(services.families(), services.formats())
                    .load(base, ops, dtype)) {
                in.err().println("kiln: " + loaded.summary() + "; adapter " + adapters + " ("
                        + adapter.tuner() + ")");
                TunedModel tuned = tuner.load(loaded.model(), adapters, ops);
                tuned.merge();
                write(output, loaded, base);
            }
            in.out().println("kiln: merged model written to " + output);
            in.out().println("kiln: next: kiln infer --model " + output);
            return 0;
        } catch (IOException | IllegalArgumentException | UnsupportedOperationException e) {
            throw new CommandException(e.getMessage(), e);
        }
    }

    private void write(Path output, LoadedModel loaded, Path base) throws IOException {
        Path temporary = output.resolveSibling("." + output.getFileName() + ".tmp");
        deleteRecursively(temporary);
        Files.createDirectories(temporary);
        try {
            Map<String, Object> config = new LinkedHashMap<>(loaded.config().values());
            ModelDirectory.write(temporary, config, loaded.model().parameters(),
                    Files.isDirectory(base) ? Optional.of(base) : Optional.empty(),
                    services.safetensors());
            if (Files.exists(output)) {
                Files.delete(output); // empty: checked before
            }
            Files.move(temporary, output);
        } catch (IOException | RuntimeException e) {
            deleteRecursively(temporary);
            throw e;
        }
    }

    private static boolean isEmptyDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(path)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
