package dev.kiln.core.commands;

import dev.kiln.api.chat.ChatTemplate;
import dev.kiln.api.chat.ChatTemplateEngine;
import dev.kiln.api.chat.TemplateName;
import dev.kiln.api.command.Command;
import dev.kiln.api.command.CommandName;
import dev.kiln.api.command.CommandSpec;
import dev.kiln.api.command.Invocation;
import dev.kiln.api.data.DatasetSource;
import dev.kiln.api.data.RowFormat;
import dev.kiln.api.model.ModelFamily;
import dev.kiln.api.tokenizer.TokenizerFactory;
import dev.kiln.api.tuner.Tuner;
import dev.kiln.api.tuner.TunerName;
import dev.kiln.api.weights.WeightFormat;
import dev.kiln.core.backend.BackendRegistry;
import dev.kiln.core.tensor.TensorEngine;
import dev.kiln.core.train.job.ExportJob;
import dev.kiln.core.train.job.TrainingServices;
import java.util.List;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/** {@code kiln export --adapters DIR --merge_lora true}: an adapter merged into its base model (see {@link ExportJob}). */
@Component
@CommandName("export")
public final class ExportCommand implements Command {

    private final TrainingServices services;

    @Activate
    public ExportCommand(
            @Reference BackendRegistry backends,
            @Reference TensorEngine engine,
            @Reference(cardinality = ReferenceCardinality.MULTIPLE,
                    policyOption = ReferencePolicyOption.GREEDY) List<ModelFamily> families,
            @Reference(cardinality = ReferenceCardinality.MULTIPLE,
                    policyOption = ReferencePolicyOption.GREEDY) List<WeightFormat> formats,
            @Reference(cardinality = ReferenceCardinality.MULTIPLE,
                    policyOption = ReferencePolicyOption.GREEDY) List<TokenizerFactory> tokenizers,
            @Reference(cardinality = ReferenceCardinality.OPTIONAL,
                    policyOption = ReferencePolicyOption.GREEDY) ChatTemplateEngine templateEngine,
            @Reference(service = ChatTemplate.class,
                    cardinality = ReferenceCardinality.MULTIPLE,
                    policyOption = ReferencePolicyOption.GREEDY,
                    target = "(" + TemplateName.PROPERTY + "=*)")
            List<Map.Entry<Map<String, Object>, ChatTemplate>> templates,
            @Reference(service = Tuner.class,
                    cardinality = ReferenceCardinality.MULTIPLE,
                    policyOption = ReferencePolicyOption.GREEDY,
                    target = "(" + TunerName.PROPERTY + "=*)")
            List<Map.Entry<Map<String, Object>, Tuner>> tuners,
            @Reference(cardinality = ReferenceCardinality.MULTIPLE,
                    policyOption = ReferencePolicyOption.GREEDY) List<DatasetSource> datasetSources,
            @Reference(cardinality = ReferenceCardinality.MULTIPLE,
                    policyOption = ReferencePolicyOption.GREEDY) List<RowFormat> rowFormats) {
        this.services = TrainingServices.of(backends, engine, families, formats, tokenizers,
                templateEngine, templates, tuners, datasetSources, rowFormats);
    }

    @Override
    public CommandSpec spec() {
        return ExportJob.spec();
    }

    @Override
    public int run(Invocation invocation) throws Exception {
        return new ExportJob(services).run(invocation);
    }
}
