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

/** {@code kiln sft}: supervised fine-tuning on conversations, with ms-swift's options (see {@link TrainOptions}). */
@Component
@CommandName("sft")
public final class SftCommand implements Command {

    private final BackendRegistry backends;
    private final TensorEngine engine;
    private final InstalledPlugins plugins;
    private final LiveJobs liveJobs;

    @Activate
    public SftCommand(@Reference BackendRegistry backends, @Reference TensorEngine engine,
            @Reference InstalledPlugins plugins, @Reference LiveJobs liveJobs) {
        this.backends = backends;
        this.engine = engine;
        this.plugins = plugins;
        this.liveJobs = liveJobs;
    }

    @Override
    public CommandSpec spec() {
        return TrainOptions.spec(false);
    }

    @Override
    public int run(Invocation invocation) throws Exception {
        return new TrainingJob(TrainingServices.of(backends, engine, plugins), liveJobs, false).run(invocation);
    }
}
