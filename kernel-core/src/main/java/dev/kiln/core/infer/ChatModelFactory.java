package dev.kiln.core.infer;

import dev.kiln.api.chat.ChatTemplate;
import dev.kiln.api.chat.ChatTemplateEngine;
import dev.kiln.api.model.ModelFamily;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.api.tokenizer.TokenizerFactory;
import dev.kiln.api.weights.WeightFormat;
import dev.kiln.api.weights.WeightSource;
import dev.kiln.core.generate.Generator;
import dev.kiln.core.model.LoadedModel;
import dev.kiln.core.model.ModelLoader;
import dev.kiln.core.model.TorchDtype;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Puts a {@link ChatModel} together from the plugins installed: a weight format and a model
 * family load the weights, a tokenizer factory reads the tokenizer, and the chat template is the
 * one the user names, else the model's own, else the built-in {@code default}.
 */
public final class ChatModelFactory {

    /** The built-in template used for a model that ships none. */
    public static final String FALLBACK_TEMPLATE = "default";

    private final List<ModelFamily> families;
    private final List<WeightFormat> formats;
    private final List<TokenizerFactory> tokenizers;
    private final Optional<ChatTemplateEngine> templateEngine;
    private final Map<String, ChatTemplate> builtinTemplates;

    /** @param builtinTemplates the built-in templates by name ({@code chatml}, ...) */
    public ChatModelFactory(List<ModelFamily> families, List<WeightFormat> formats,
            List<TokenizerFactory> tokenizers, Optional<ChatTemplateEngine> templateEngine,
            Map<String, ChatTemplate> builtinTemplates) {
        this.families = List.copyOf(families);
        this.formats = List.copyOf(formats);
        this.tokenizers = List.copyOf(tokenizers);
        this.templateEngine = Objects.requireNonNull(templateEngine);
        this.builtinTemplates = new TreeMap<>(builtinTemplates);
    }

    /**
     * Loads the model at {@code location} onto {@code ops}' device.
     *
     * @param templateName a built-in template to use instead of the model's, or null
     * @param dtype the dtype of the weights in memory, or null for the checkpoint's
     * @throws IOException naming the file when something cannot be read
     * @throws IllegalArgumentException when a plugin the model needs is missing, naming it
     */
    public ChatModel open(Path location, TensorOps ops, TorchDtype dtype, String templateName)
            throws IOException {
        if (templateName != null) {
            builtin(templateName); // a wrong name fails before the weights load
        }
        ModelLoader loader = new ModelLoader(families, formats);
        LoadedModel loaded = dtype == null ? loader.load(location, ops) : loader.load(location, ops, dtype);
        try {
            Tokenizer tokenizer = tokenizer(location);
            Template template = chatTemplate(location, tokenizer, templateName);
            return new ChatModel(loaded, tokenizer, template.template(), template.source(),
                    new Generator(loaded.model(), tokenizer, ops));
        } catch (IOException | RuntimeException e) {
            loaded.close();
            throw e;
        }
    }

    /** A chat template and where it came from, for the user: {@code chatml}, {@code the model's own}. */
    public record Template(ChatTemplate template, String source) {}

    /**
     * The chat template for the model at {@code location}: the built-in one named, else the
     * model's own (chat_template.jinja, tokenizer_config.json, or the GGUF file's), else
     * {@value #FALLBACK_TEMPLATE}.
     *
     * @param templateName a built-in template to use instead of the model's, or null
     * @throws IOException naming the file when the model's template cannot be read or parsed
     * @throws IllegalArgumentException when the named (or the fallback) template is not installed
     */
    public Template chatTemplate(Path location, Tokenizer tokenizer, String templateName)
            throws IOException {
        if (templateName != null) {
            return new Template(builtin(templateName), templateName);
        }
        if (templateEngine.isPresent()) {
            Optional<ChatTemplate> own = ModelChatTemplate.find(location, checkpointMetadata(location),
                    tokenizer, templateEngine.get());
            if (own.isPresent()) {
                return new Template(own.get(), "the model's own");
            }
        }
        return new Template(builtin(FALLBACK_TEMPLATE),
                FALLBACK_TEMPLATE + " (the model ships no chat template)");
    }

    /**
     * The tokenizer at {@code location}, read by the first installed factory that can.
     *
     * @throws IllegalArgumentException when none can, naming the installed ones
     */
    public Tokenizer tokenizer(Path location) throws IOException {
        for (TokenizerFactory factory : tokenizers) {
            if (factory.canLoad(location)) {
                return factory.load(location);
            }
        }
        throw new IllegalArgumentException(location + ": no installed tokenizer reads it (installed: "
                + (tokenizers.isEmpty() ? "none"
                        : tokenizers.stream().map(TokenizerFactory::name).collect(Collectors.joining(", ")))
                + ")");
    }

    private ChatTemplate builtin(String name) {
        ChatTemplate template = builtinTemplates.get(name);
        if (template == null) {
            throw new IllegalArgumentException("--template " + name + ": no such template; "
                    + (builtinTemplates.isEmpty() ? "no chat-templates bundle is installed"
                            : "installed: " + String.join(", ", builtinTemplates.keySet())));
        }
        return template;
    }

    /** What the weight file itself says (a GGUF file carries its chat template there). */
    private Map<String, Object> checkpointMetadata(Path location) throws IOException {
        for (WeightFormat format : formats) {
            if (format.canOpen(location)) {
                try (WeightSource source = format.open(location)) {
                    return source.metadata();
                }
            }
        }
        return Map.of();
    }
}
