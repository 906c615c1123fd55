package dev.kiln.core.commands;

import dev.kiln.api.command.Command;
import dev.kiln.api.command.CommandName;
import dev.kiln.api.command.CommandSpec;
import dev.kiln.api.command.Invocation;
import dev.kiln.core.backend.BackendRegistry;
import dev.kiln.core.plugins.InstalledPlugins;
import dev.kiln.core.tensor.TensorEngine;
import dev.kiln.core.train.job.ExportJob;
import dev.kiln.core.train.job.TrainingServices;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code kiln export --adapters DIR --merge_lora true}: an adapter merged into its base model (see {@link ExportJob}). */
@Component
@CommandName("export")
public final class ExportCommand implements Command {

    private final BackendRegistry backends;
    private final TensorEngine engine;
    private final InstalledPlugins plugins;

    @Activate
    public ExportCommand(@Reference BackendRegistry backends, @Reference TensorEngine engine,
            @Reference InstalledPlugins plugins) {
        this.backends = backends;
        this.engine = engine;
        this.plugins = plugins;
    }

    @Override
    public CommandSpec spec() {
        return ExportJob.spec();
    }

    @Override
    public int run(Invocation invocation) throws Exception {
        return new ExportJob(TrainingServices.of(backends, engine, plugins)).run(invocation);
    }
}
