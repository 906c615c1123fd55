package dev.kiln.core.plugins;

import dev.kiln.api.chat.ChatTemplate;
import dev.kiln.api.chat.ChatTemplateEngine;
import dev.kiln.api.chat.TemplateName;
import dev.kiln.api.data.DatasetSource;
import dev.kiln.api.data.RowFormat;
import dev.kiln.api.model.ModelFamily;
import dev.kiln.api.tokenizer.TokenizerFactory;
import dev.kiln.api.tokenizer.TokenizerTrainer;
import dev.kiln.api.tuner.Tuner;
import dev.kiln.api.tuner.TunerName;
import dev.kiln.api.weights.WeightFormat;
import dev.kiln.core.infer.ChatModelFactory;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Every plugin service a model command needs, tracked as bundles come and go: one component
 * holds the references, so the commands (infer, pt, sft, export, quickstart, deploy) take this
 * one service and see a plugin installed while the runtime runs. The getters return snapshots.
 */
@Component(service = InstalledPlugins.class)
public final class InstalledPlugins {

    private static final String TEMPLATE = TemplateName.PROPERTY;
    private static final String TUNER = TunerName.PROPERTY;

    private final List<ModelFamily> families = new CopyOnWriteArrayList<>();
    private final List<WeightFormat> formats = new CopyOnWriteArrayList<>();
    private final List<TokenizerFactory> tokenizers = new CopyOnWriteArrayList<>();
    private final List<TokenizerTrainer> tokenizerTrainers = new CopyOnWriteArrayList<>();
    private final List<ChatTemplateEngine> templateEngines = new CopyOnWriteArrayList<>();
    private final Map<ChatTemplate, String> templates = new ConcurrentHashMap<>();
    private final Map<Tuner, String> tuners = new ConcurrentHashMap<>();
    private final List<DatasetSource> datasetSources = new CopyOnWriteArrayList<>();
    private final List<RowFormat> rowFormats = new CopyOnWriteArrayList<>();

    /** Model families, in the order they arrived. */
    public List<ModelFamily> families() { return List.copyOf(families); }
    public List<WeightFormat> formats() { return List.copyOf(formats); }
    public List<TokenizerFactory> tokenizers() { return List.copyOf(tokenizers); }
    public List<TokenizerTrainer> tokenizerTrainers() { return List.copyOf(tokenizerTrainers); }
    public Optional<ChatTemplateEngine> templateEngine() { return templateEngines.stream().findFirst(); }
    public List<DatasetSource> datasetSources() { return List.copyOf(datasetSources); }
    public List<RowFormat> rowFormats() { return List.copyOf(rowFormats); }

    /** The built-in chat templates by {@code kiln.template.name}, sorted. */
    public Map<String, ChatTemplate> builtinTemplates() { return byName(templates); }

    /** The tuners by {@code kiln.tuner.name} ({@code --train_type}), sorted. */
    public Map<String, Tuner> tuners() { return byName(tuners); }

    /** What puts a chat model together from these plugins. */
    public ChatModelFactory chatModels() {
        return new ChatModelFactory(families(), formats(), tokenizers(), templateEngine(),
                builtinTemplates());
    }

    private static <S> Map<String, S> byName(Map<S, String> named) {
        Map<String, S> out = new TreeMap<>();
        named.forEach((service, name) -> out.put(name, service));
        return out;
    }

    // ---- references: multiple, dynamic, greedy, so plugins come and go while the runtime runs ----

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addFamily(ModelFamily s) { families.add(s); }
    void removeFamily(ModelFamily s) { families.remove(s); }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addFormat(WeightFormat s) { formats.add(s); }
    void removeFormat(WeightFormat s) { formats.remove(s); }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addTokenizer(TokenizerFactory s) { tokenizers.add(s); }
    void removeTokenizer(TokenizerFactory s) { tokenizers.remove(s); }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addTokenizerTrainer(TokenizerTrainer s) { tokenizerTrainers.add(s); }
    void removeTokenizerTrainer(TokenizerTrainer s) { tokenizerTrainers.remove(s); }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addTemplateEngine(ChatTemplateEngine s) { templateEngines.add(s); }
    void removeTemplateEngine(ChatTemplateEngine s) { templateEngines.remove(s); }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(" + TEMPLATE + "=*)")
    void addTemplate(ChatTemplate s, Map<String, Object> properties) {
        templates.put(s, String.valueOf(properties.get(TEMPLATE)));
    }
    void removeTemplate(ChatTemplate s) { templates.remove(s); }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(" + TUNER + "=*)")
    void addTuner(Tuner s, Map<String, Object> properties) {
        tuners.put(s, String.valueOf(properties.get(TUNER)));
    }
    void removeTuner(Tuner s) { tuners.remove(s); }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addDatasetSource(DatasetSource s) { datasetSources.add(s); }
    void removeDatasetSource(DatasetSource s) { datasetSources.remove(s); }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addRowFormat(RowFormat s) { rowFormats.add(s); }
    void removeRowFormat(RowFormat s) { rowFormats.remove(s); }
}
