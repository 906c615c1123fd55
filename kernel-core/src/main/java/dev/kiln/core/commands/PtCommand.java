package dev.kiln.core.commands;

import dev.kiln.api.command.Command;
import dev.kiln.api.command.CommandName;
import dev.kiln.api.command.CommandSpec;
import dev.kiln.api.command.Invocation;
import dev.kiln.core.backend.BackendRegistry;
import dev.kiln.core.backend.LiveJobs;
import dev.kiln.core.plugins.InstalledPlugins;
import dev.kiln.core.tensor.TensorEngine;
import dev.kiln.core.train.job.TrainOptions;
import dev.kiln.core.train.job.TrainingJob;
import dev.kiln.core.train.job.TrainingServices;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code kiln pt}: pretraining on plain text, loss on every token, with ms-swift's options (see {@link TrainOptions}); a model directory with config.json and a tokenizer but no weights starts from random weights. */
@Component
@CommandName("pt")
public final class PtCommand implements Command {

    private final BackendRegistry backends;
    private final TensorEngine engine;
    private final InstalledPlugins plugins;
    private final LiveJobs liveJobs;

    @Activate
    public PtCommand(@Reference BackendRegistry backends, @Reference TensorEngine engine,
            @Reference InstalledPlugins plugins, @Reference LiveJobs liveJobs) {
        this.backends = backends;
        this.engine = engine;
        this.plugins = plugins;
        this.liveJobs = liveJobs;
    }

    @Override
    public CommandSpec spec() {
        return TrainOptions.spec(true);
    }

    @Override
    public int run(Invocation invocation) throws Exception {
        return new TrainingJob(TrainingServices.of(backends, engine, plugins), liveJobs, true).run(invocation);
    }
}
