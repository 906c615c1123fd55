package dev.kiln.core.train.job;

import dev.kiln.core.plugins.InstalledPlugins;
import dev.kiln.api.chat.ChatTemplate;
import dev.kiln.api.chat.ChatTemplateEngine;
import dev.kiln.api.data.DatasetSource;
import dev.kiln.api.data.RowFormat;
import dev.kiln.api.model.ModelFamily;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.api.tokenizer.TokenizerFactory;
import dev.kiln.api.tuner.Tuner;
import dev.kiln.api.weights.WeightFormat;
import dev.kiln.core.backend.BackendRegistry;
import dev.kiln.core.infer.ModelChatTemplate;
import dev.kiln.core.tensor.TensorEngine;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The services a training, export or adapter-loading command puts together, as its DS component
 * received them: backends and the engine, model families and weight formats, tokenizers and chat
 * templates, tuners by name, dataset sources and row formats.
 */
public record TrainingServices(BackendRegistry backends, TensorEngine engine,
        List<ModelFamily> families, List<WeightFormat> formats, List<TokenizerFactory> tokenizers,
        Optional<ChatTemplateEngine> templateEngine, Map<String, ChatTemplate> builtinTemplates,
        Map<String, Tuner> tuners, List<DatasetSource> datasetSources, List<RowFormat> rowFormats) {

    /** The built-in template used for a model that ships none. */
    static final String FALLBACK_TEMPLATE = "default";

    public TrainingServices {
        families = List.copyOf(families);
        formats = List.copyOf(formats);
        tokenizers = List.copyOf(tokenizers);
        builtinTemplates = new TreeMap<>(builtinTemplates);
        tuners = new TreeMap<>(tuners);
        datasetSources = List.copyOf(datasetSources);
        rowFormats = List.copyOf(rowFormats);
    }

    /** What the installed plugins offer now, with the backends and the engine. */
    public static TrainingServices of(BackendRegistry backends, TensorEngine engine,
            InstalledPlugins plugins) {
        return new TrainingServices(backends, engine, plugins.families(), plugins.formats(),
                plugins.tokenizers(), plugins.templateEngine(), plugins.builtinTemplates(),
                plugins.tuners(), plugins.datasetSources(), plugins.rowFormats());
    }

    /**
     * The tuner of {@code --train_type}.
     *
     * @throws IllegalArgumentException naming the installed tuners
     */
    public Tuner tuner(String name) {
        Tuner tuner = tuners.get(name);
        if (tuner == null) {
            throw new IllegalArgumentException("--train_type " + name + ": no such tuner is installed;"
                    + " installed: " + (tuners.isEmpty() ? "none (no plugins-tuners bundle)"
                            : String.join(", ", tuners.keySet())));
        }
        return tuner;
    }

    /** The weight format that writes safetensors files. */
    public WeightFormat safetensors() {
        return formats.stream().filter(f -> f.name().equals("safetensors")).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no safetensors weight format is"
                        + " installed: checkpoints cannot be written"));
    }

    /** The tokenizer of a model directory. */
    public Tokenizer tokenizer(Path location) throws IOException {
        for (TokenizerFactory factory : tokenizers) {
            if (factory.canLoad(location)) {
                return factory.load(location);
            }
        }
        throw new IllegalArgumentException(location + ": no tokenizer there that an installed"
                + " tokenizer reads (installed: " + (tokenizers.isEmpty() ? "none"
                        : tokenizers.stream().map(TokenizerFactory::name).collect(Collectors.joining(", ")))
                + ")");
    }

    /** The user's built-in template, else the model's own, else {@code default}. */
    public ChatTemplate chatTemplate(Path location, Tokenizer tokenizer, String name) throws IOException {
        if (name != null) {
            return builtin(name, "--template " + name);
        }
        if (templateEngine.isPresent()) {
            Optional<ChatTemplate> own = ModelChatTemplate.find(location, Map.of(), tokenizer,
                    templateEngine.get());
            if (own.isPresent()) {
                return own.get();
            }
        }
        return builtin(FALLBACK_TEMPLATE, location + " ships no chat template, and the built-in '"
                + FALLBACK_TEMPLATE + "'");
    }

    private ChatTemplate builtin(String name, String what) {
        ChatTemplate template = builtinTemplates.get(name);
        if (template == null) {
            throw new IllegalArgumentException(what + ": no such template; "
                    + (builtinTemplates.isEmpty() ? "no chat-templates bundle is installed"
                            : "installed: " + String.join(", ", builtinTemplates.keySet())));
        }
        return template;
    }
}
