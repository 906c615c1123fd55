package dev.kiln.serving;

import dev.kiln.api.backend.Device;
import dev.kiln.api.command.Command;
import dev.kiln.api.command.CommandException;
import dev.kiln.api.command.CommandName;
import dev.kiln.api.command.CommandSpec;
import dev.kiln.api.command.Invocation;
import dev.kiln.api.command.OptionSpec;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.core.backend.BackendRegistry;
import dev.kiln.core.backend.LiveJobs;
import dev.kiln.core.plugins.InstalledPlugins;
import dev.kiln.core.generate.GenerationConfig;
import dev.kiln.core.infer.ChatModel;
import dev.kiln.core.model.TorchDtype;
import dev.kiln.core.tensor.TensorEngine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code kiln deploy}: serves a model over an OpenAI-compatible HTTP API until the runtime stops
 * (Ctrl-C). Option names follow ms-swift's {@code swift deploy} (and vLLM's where ms-swift
 * passes them through).
 */
@Component
@CommandName("deploy")
public final class DeployCommand implements Command {

    private final BackendRegistry backends;
    private final TensorEngine engine;
    private final InstalledPlugins plugins;
    private final LiveJobs liveJobs;
    private final CountDownLatch stopped = new CountDownLatch(1);

    @Activate
    public DeployCommand(@Reference BackendRegistry backends, @Reference TensorEngine engine,
            @Reference InstalledPlugins plugins, @Reference LiveJobs liveJobs) {
        this.liveJobs = liveJobs;
        this.backends = backends;
        this.engine = engine;
        this.plugins = plugins;
    }

    /** The runtime is going down: stop serving. */
    @Deactivate
    void deactivate() {
        stopped.countDown();
    }

    @Override
    public CommandSpec spec() {
        return CommandSpec.summary("Serve a model over an OpenAI-compatible HTTP API.")
                .description("Serves GET /v1/models, POST /v1/chat/completions, /v1/completions "
                        + "(streamed or not) and /v1/embeddings, with GET /health and GET /metrics "
                        + "(Prometheus). Requests are batched continuously: they join and leave the "
                        + "running batch at token boundaries, up to --max_num_seqs at once; more wait "
                        + "in a queue of --max_queue_size, beyond which the server answers 429. "
                        + "Runs until stopped with Ctrl-C.")
                .option(OptionSpec.of("--model").paramLabel("DIR|FILE|ORG/NAME").required(true)
                        .description("A Hugging Face model directory, a .gguf file, or a hub id.").build())
                .option(OptionSpec.of("--host").paramLabel("ADDRESS")
                        .description("The address to listen on (default: 127.0.0.1 without an API "
                                + "key, 0.0.0.0 with one).").build())
                .option(OptionSpec.of("--port").type(Integer.class).defaultValue("8000").paramLabel("N")
                        .description("The port (0: any free one; the address is printed).").build())
                .option(OptionSpec.of("--api_key").paramLabel("KEY")
                        .description("Require 'Authorization: Bearer KEY' on /v1/ requests.").build())
                .option(OptionSpec.of("--api_key_file").type(Path.class).paramLabel("FILE")
                        .description("Accepted API keys, one per line ('#' starts a comment).").build())
                .option(OptionSpec.of("--served_model_name").paramLabel("NAME")
                        .description("The name clients give as 'model' (default: the model's "
                                + "directory or file name).").build())
                .option(OptionSpec.of("--max_num_seqs").type(Integer.class).defaultValue("16").paramLabel("N")
                        .description("The most sequences generated at once (KV-cache slots).").build())
                .option(OptionSpec.of("--max_model_len").type(Integer.class).paramLabel("N")
                        .description("The most tokens per sequence, prompt and completion (default: "
                                + "the model's max_position_embeddings, at most "
                                + CacheSizing.DEFAULT_MAX_MODEL_LEN + ").").build())
                .option(OptionSpec.of("--kv_cache_memory").defaultValue("2G").paramLabel("SIZE")
                        .description("The memory the KV-cache pool may take (512M, 4G, ...); fewer "
                                + "than --max_num_seqs slots are made when it cannot hold them.").build())
                .option(OptionSpec.of("--max_queue_size").type(Integer.class).defaultValue("256")
                        .paramLabel("N").description("The most requests waiting for a slot; beyond, "
                                + "429 with Retry-After.").build())
                .option(OptionSpec.of("--max_request_bytes").defaultValue("4M").paramLabel("SIZE")
                        .description("The largest request body accepted; beyond, 413.").build())
                .option(OptionSpec.of("--adapters").paramLabel("NAME=DIR").repeatable(true)
                        .description("Adapters (PEFT directories: adapter_config.json, "
                                + "adapter_model.safetensors) served over the model, each under its "
                                + "NAME, all at once; more can be loaded at runtime with POST "
                                + "/v1/load_lora_adapter.").build())
                .option(OptionSpec.of("--device").paramLabel("NAME[:INDEX]")
                        .description("The backend to run on (cpu, opencl:1, ...); default: the "
                                + "preferred available one.").build())
                .option(OptionSpec.of("--torch_dtype").paramLabel("DTYPE").defaultValue("auto")
                        .description("The weights' dtype in memory: float32, bfloat16, float16, or "
                                + "auto (the checkpoint's).").build())
                .option(OptionSpec.of("--template").paramLabel("NAME")
                        .description("A built-in chat template instead of the model's own.").build())
                .option(OptionSpec.of("--use_hf").type(Boolean.class).defaultValue("true")
                        .description("Download hub ids from Hugging Face; false: ModelScope.").build())
                .build();
    }

    @Override
    public int run(Invocation in) throws Exception {
        ServerSettings settings = settings(in);
        Map<String, Path> adapters = adapters(in);
        String modelArg = in.require("--model", String.class);
        Path model = ModelLocation.resolve(modelArg, in.workingDirectory(), in.flag("--use_hf"), in.err());
        Device opened;
        try {
            opened = backends.open(in.option("--device", String.class).orElse(null));
        } catch (IllegalStateException e) {
            throw new CommandException("--device: " + e.getMessage());
        }
        TorchDtype dtype = TorchDtype.parse(in.require("--torch_dtype", String.class));
        String name = in.option("--served_model_name", String.class).orElse(ModelLocation.defaultName(modelArg));
        // Registered, the served model, its KV caches and adapters can move to another backend
        // between two tokens (kiln backend use), and off a backend whose bundle leaves.
        try (LiveJobs.Job job = liveJobs.start("deploy " + name, opened)) {
            return serve(in, settings, adapters, model, job.device(), dtype, name);
        }
    }

    private int serve(Invocation in, ServerSettings settings, Map<String, Path> adapters, Path model, Device device,
            TorchDtype dtype, String name) throws Exception {
        TensorOps ops = engine.on(device);
        try (ChatModel chat = plugins.chatModels().open(model, ops, dtype, in.option("--template", String.class).orElse(null))) {
            in.err().println("kiln: " + chat.loaded().summary() + " on " + device.name()
                    + "; chat template: " + chat.templateName());
            chat.loaded().warnings().forEach(w -> in.err().println("kiln: warning: " + w));
            Path directory = Files.isDirectory(model) ? model : model.toAbsolutePath().getParent();
            GenerationConfig generation = GenerationConfig.read(directory);
            try (KilnServer server = KilnServer.start(settings, chat, name, generation, ops, plugins.tuners(),
                    adapters, in.err())) {
                adapters.forEach((adapter, dir) -> in.err().println("kiln: adapter '" + adapter
                        + "' from " + dir));
                if (settings.apiKeys().isEmpty() && settings.host() != null) {
                    in.err().println("kiln: warning: no API key; anyone who can reach "
                            + settings.host() + " may use the server");
                }
                in.out().println("kiln: serving '" + name + "' on http://"
                        + hostForUrl(settings.bindHost()) + ":" + server.address().getPort()
                        + "/v1 (" + server.slots() + " sequences at once of up to "
                        + server.maxModelLength() + " tokens, KV cache "
                        + ByteSize.format(server.cacheBytes()) + "; Ctrl-C to stop)");
                in.out().flush();
                stopped.await();
            }
            return 0;
        } catch (IOException | IllegalArgumentException e) {
            throw new CommandException(e.getMessage(), e);
        }
    }

    private static ServerSettings settings(Invocation in) throws CommandException {
        try {
            List<String> keys = new ArrayList<>();
            in.option("--api_key", String.class).ifPresent(keys::add);
            Optional<Path> keyFile = in.option("--api_key_file", Path.class)
                    .map(p -> in.workingDirectory().resolve(p));
            if (keyFile.isPresent()) {
                keys.addAll(readKeys(keyFile.get()));
            }
            return new ServerSettings(in.option("--host", String.class).orElse(null),
                    in.require("--port", Integer.class), keys, in.require("--max_num_seqs", Integer.class),
                    in.option("--max_model_len", Integer.class).orElse(null),
                    ByteSize.parse("--kv_cache_memory", in.require("--kv_cache_memory", String.class)),
                    in.require("--max_queue_size", Integer.class),
                    ByteSize.parse("--max_request_bytes", in.require("--max_request_bytes", String.class)));
        } catch (IllegalArgumentException e) {
            throw new CommandException(e.getMessage(), CommandException.USAGE);
        }
    }

    /** {@code --adapters NAME=DIR ...}, in the order given. */
    private static Map<String, Path> adapters(Invocation in) throws CommandException {
        Map<String, Path> adapters = new LinkedHashMap<>();
        for (String value : in.values("--adapters")) {
            int eq = value.indexOf('=');
            if (eq <= 0 || eq == value.length() - 1) {
                throw new CommandException("--adapters " + value + ": expected NAME=DIR",
                        CommandException.USAGE);
            }
            Path dir = in.workingDirectory().resolve(value.substring(eq + 1)).normalize();
            if (adapters.put(value.substring(0, eq), dir) != null) {
                throw new CommandException("--adapters: '" + value.substring(0, eq) + "' is named twice",
                        CommandException.USAGE);
            }
        }
        return adapters;
    }

    private static List<String> readKeys(Path file) throws CommandException {
        List<String> keys = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String key = line.strip();
                if (!key.isEmpty() && !key.startsWith("#")) {
                    keys.add(key);
                }
            }
        } catch (IOException e) {
            throw new CommandException("--api_key_file " + file + ": cannot read it: " + e.getMessage());
        }
        if (keys.isEmpty()) {
            throw new CommandException("--api_key_file " + file + ": holds no key");
        }
        return keys;
    }

    private static String hostForUrl(String host) {
        return host.contains(":") ? "[" + host + "]" : host;
    }
}
