package dev.kiln.core.commands;

import dev.kiln.api.backend.Device;
import dev.kiln.api.command.Command;
import dev.kiln.api.command.CommandException;
import dev.kiln.api.command.CommandName;
import dev.kiln.api.command.CommandSpec;
import dev.kiln.api.command.Invocation;
import dev.kiln.api.command.OptionSpec;
import dev.kiln.api.tuner.Tuner;
import dev.kiln.core.backend.BackendRegistry;
import dev.kiln.core.backend.LiveJobs;
import dev.kiln.core.plugins.InstalledPlugins;
import dev.kiln.core.generate.GenerationConfig;
import dev.kiln.core.generate.SamplingParams;
import dev.kiln.core.hub.FilePatterns;
import dev.kiln.core.hub.HubClient;
import dev.kiln.core.hub.HubException;
import dev.kiln.core.hub.HubSource;
import dev.kiln.core.hub.ModelId;
import dev.kiln.core.infer.BatchInference;
import dev.kiln.core.infer.ChatLoop;
import dev.kiln.core.infer.ChatModel;
import dev.kiln.core.infer.DownloadProgress;
import dev.kiln.core.model.TorchDtype;
import dev.kiln.core.tensor.TensorEngine;
import dev.kiln.core.train.job.AdapterDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code kiln infer}: chat with a model in the terminal, or answer a dataset of questions into a
 * JSONL file. Option names follow ms-swift's {@code swift infer}.
 */
@Component
@CommandName("infer")
public final class InferCommand implements Command {

    private final BackendRegistry backends;
    private final TensorEngine engine;
    private final InstalledPlugins plugins;
    private final LiveJobs liveJobs;

    @Activate
    public InferCommand(@Reference BackendRegistry backends, @Reference TensorEngine engine,
            @Reference InstalledPlugins plugins, @Reference LiveJobs liveJobs) {
        this.backends = backends;
        this.engine = engine;
        this.plugins = plugins;
        this.liveJobs = liveJobs;
    }

    @Override
    public CommandSpec spec() {
        return CommandSpec.summary("Chat with a model, or answer a dataset of questions.")
                .description("Without --val_dataset, an interactive chat: type a message, the answer "
                        + "streams back; 'clear' forgets the conversation, 'exit' (or end of input) quits. "
                        + "With --val_dataset, every row is answered in batches and written to "
                        + "--result_path as JSONL.")
                .option(OptionSpec.of("--model").paramLabel("DIR|FILE|ORG/NAME")
                        .description("A Hugging Face model directory, a .gguf file, or a hub id "
                                + "(taken from the local cache, else downloaded); with --adapters, "
                                + "the base model (default: the adapter's).").build())
                .option(OptionSpec.of("--adapters").paramLabel("DIR")
                        .description("A trained adapter (adapter_config.json, as kiln sft or PEFT "
                                + "saves it) to apply to the model.").build())
                .option(OptionSpec.of("--device").paramLabel("NAME[:INDEX]")
                        .description("The backend to run on (cpu, opencl:1, ...); default: the "
                                + "preferred available one (see 'kiln backends').").build())
                .option(OptionSpec.of("--torch_dtype").paramLabel("DTYPE").defaultValue("auto")
                        .description("The weights' dtype in memory: float32, bfloat16, float16, or "
                                + "auto (the checkpoint's).").build())
                .option(OptionSpec.of("--template").paramLabel("NAME")
                        .description("A built-in chat template (chatml, llama3, llama2, qwen, alpaca, "
                                + "default) instead of the model's own.").build())
                .option(OptionSpec.of("--system").paramLabel("TEXT")
                        .description("A system message that opens every conversation.").build())
                .option(OptionSpec.of("--max_new_tokens").type(Integer.class).paramLabel("N")
                        .description("The most tokens an answer may have (default: the model's "
                                + "generation_config.json, else "
                                + SamplingParams.DEFAULT_MAX_NEW_TOKENS + ").").build())
                .option(OptionSpec.of("--temperature").type(Double.class).paramLabel("T")
                        .description("0 for greedy decoding (default: generation_config.json, else 0).")
                        .build())
                .option(OptionSpec.of("--top_k").type(Integer.class).paramLabel("K").build())
                .option(OptionSpec.of("--top_p").type(Double.class).paramLabel("P").build())
                .option(OptionSpec.of("--min_p").type(Double.class).paramLabel("P").build())
                .option(OptionSpec.of("--repetition_penalty").type(Double.class).paramLabel("X").build())
                .option(OptionSpec.of("--presence_penalty").type(Double.class).paramLabel("X").build())
                .option(OptionSpec.of("--frequency_penalty").type(Double.class).paramLabel("X").build())
                .option(OptionSpec.of("--seed").type(Long.class).paramLabel("N")
                        .description("Seeds sampling, so a run repeats exactly.").build())
                .option(OptionSpec.of("--stop").paramLabel("TEXT").repeatable(true)
                        .description("Text that ends an answer (repeatable).").build())
                .option(OptionSpec.of("--stream").type(Boolean.class).defaultValue("true")
                        .description("Print the answer as it is generated.").build())
                .option(OptionSpec.of("--val_dataset").type(Path.class).paramLabel("FILE.jsonl")
                        .description("Answer every row of this JSONL file (messages, query/response, "
                                + "or instruction/input/output rows).").build())
                .option(OptionSpec.of("--result_path").type(Path.class).paramLabel("FILE.jsonl")
                        .description("Where --val_dataset's answers go (default: infer_result.jsonl "
                                + "beside the dataset).").build())
                .option(OptionSpec.of("--max_batch_size").type(Integer.class).defaultValue("8")
                        .paramLabel("N").description("Rows of --val_dataset generated together.").build())
                .option(OptionSpec.of("--use_hf").type(Boolean.class).defaultValue("true")
                        .description("Download from Hugging Face (HF_ENDPOINT); false: ModelScope.")
                        .build())
                .build();
    }

    @Override
    public int run(Invocation in) throws Exception {
        Optional<AdapterDirectory> adapter = adapter(in);
        Path model = resolveModel(in, adapter);
        Device opened;
        try {
            opened = backends.open(in.option("--device", String.class).orElse(null));
        } catch (IllegalStateException e) {
            throw new CommandException("--device: " + e.getMessage());
        }
        // A chat can last: as a job it can move to another backend between two tokens.
        try (LiveJobs.Job job = liveJobs.start("infer " + model.getFileName(), opened)) {
            return infer(in, adapter, model, job.device());
        }
    }

    private int infer(Invocation in, Optional<AdapterDirectory> adapter, Path model, Device device)
            throws Exception {
        SamplingParams params = samplingParams(in, model);
        TorchDtype dtype = TorchDtype.parse(in.require("--torch_dtype", String.class));
        try (ChatModel chat = plugins.chatModels().open(model, engine.on(device), dtype,
                in.option("--template", String.class).orElse(null))) {
            in.err().println("kiln: " + chat.loaded().summary() + " on " + device.name()
                    + "; chat template: " + chat.templateName());
            if (adapter.isPresent()) {
                applyAdapter(adapter.get(), chat, engine.on(device));
                in.err().println("kiln: adapter " + adapter.get().directory() + " ("
                        + adapter.get().tuner() + ")");
            }
            chat.loaded().warnings().forEach(w -> in.err().println("kiln: warning: " + w));
            String system = in.option("--system", String.class).orElse(null);
            Optional<Path> dataset = in.option("--val_dataset", Path.class).map(p -> resolve(in, p));
            if (dataset.isPresent()) {
                Path result = in.option("--result_path", Path.class).map(p -> resolve(in, p))
                        .orElse(dataset.get().resolveSibling("infer_result.jsonl"));
                int rows = new BatchInference(chat, params, system,
                        in.require("--max_batch_size", Integer.class)).run(dataset.get(), result, in.err());
                in.out().println("kiln: " + rows + " answers written to " + result);
                return 0;
            }
            new ChatLoop(chat, params, system, in.flag("--stream")).run(System.in, in.out());
            return 0;
        } catch (IOException | IllegalArgumentException e) {
            throw new CommandException(e.getMessage(), e);
        }
    }

    /** The adapter of --adapters, read before the model so that its base model is known. */
    private Optional<AdapterDirectory> adapter(Invocation in) throws CommandException {
        Optional<String> adapters = in.option("--adapters", String.class);
        if (adapters.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(AdapterDirectory.read(resolve(in, Path.of(adapters.get()))));
        } catch (IOException e) {
            throw new CommandException(e.getMessage(), e);
        }
    }

    /** The tuner named by the adapter's peft_type loads it onto the model, in place. */
    private void applyAdapter(AdapterDirectory adapter, ChatModel chat, dev.kiln.api.tensor.TensorOps ops)
            throws IOException, CommandException {
        Map<String, Tuner> tuners = plugins.tuners();
        Tuner tuner = tuners.get(adapter.tuner());
        if (tuner == null) {
            throw new CommandException("--adapters " + adapter.directory() + ": a " + adapter.tuner()
                    + " adapter, and no such tuner is installed (installed: "
                    + (tuners.isEmpty() ? "none" : String.join(", ", tuners.keySet())) + ")");
        }
        tuner.load(chat.loaded().model(), adapter.directory(), ops);
    }

    private Path resolveModel(Invocation in, Optional<AdapterDirectory> adapter) throws CommandException {
        String model;
        try {
            model = adapter.isPresent() ? adapter.get().baseModel(in.option("--model", String.class))
                    : in.option("--model", String.class).orElseThrow(() -> new CommandException(
                            "--model is required (or --adapters, whose base model is used)",
                            CommandException.USAGE));
        } catch (IOException e) {
            throw new CommandException(e.getMessage(), e);
        }
        Path local = resolve(in, Path.of(model));
        if (Files.exists(local) || !HubClient.isHubId(model)) {
            if (!Files.exists(local)) {
                throw new CommandException("--model " + model + ": no such file or directory");
            }
            return local;
        }
        HubSource source = in.flag("--use_hf") ? HubSource.HUGGING_FACE : HubSource.MODEL_SCOPE;
        try (HubClient hub = HubClient.fromEnvironment()) {
            return hub.resolve(ModelId.parse(model), source, FilePatterns.modelDefaults(),
                    new DownloadProgress(in.err()));
        } catch (HubException | IllegalArgumentException e) {
            throw new CommandException("--model " + model + ": " + e.getMessage(), e);
        }
    }

    /** The model's generation_config.json defaults, overridden by the options given. */
    private static SamplingParams samplingParams(Invocation in, Path model) throws CommandException {
        Path directory = Files.isDirectory(model) ? model : model.toAbsolutePath().getParent();
        try {
            SamplingParams.Builder b = GenerationConfig.read(directory).samplingDefaults().toBuilder();
            in.option("--max_new_tokens", Integer.class).ifPresent(b::maxNewTokens);
            in.option("--temperature", Double.class).ifPresent(b::temperature);
            in.option("--top_k", Integer.class).ifPresent(b::topK);
            in.option("--top_p", Double.class).ifPresent(b::topP);
            in.option("--min_p", Double.class).ifPresent(b::minP);
            in.option("--repetition_penalty", Double.class).ifPresent(b::repetitionPenalty);
            in.option("--presence_penalty", Double.class).ifPresent(b::presencePenalty);
            in.option("--frequency_penalty", Double.class).ifPresent(b::frequencyPenalty);
            in.option("--seed", Long.class).ifPresent(b::seed);
            if (!in.values("--stop").isEmpty()) {
                b.stopStrings(in.values("--stop"));
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new CommandException(e.getMessage(), e);
        }
    }

    private static Path resolve(Invocation in, Path path) {
        return in.workingDirectory().resolve(path).normalize();
    }
}
