package dev.kiln.core.commands;

import dev.kiln.api.command.Command;
import dev.kiln.api.command.CommandSpec;
import dev.kiln.api.command.Invocation;
import dev.kiln.core.backend.BackendRegistry;
import dev.kiln.core.backend.LiveJobs;
import dev.kiln.core.plugins.InstalledPlugins;
import dev.kiln.core.tensor.TensorEngine;
import dev.kiln.core.train.job.TrainOptions;
import dev.kiln.core.train.job.TrainingJob;
import dev.kiln.core.train.job.TrainingServices;

/**
 * What {@code kiln pt} and {@code kiln sft} share: ms-swift's training options (see
 * {@link TrainOptions}) and a {@link TrainingJob}; they differ only in whether they pretrain.
 * Each subclass is its own component, since a command's name is an annotation of its class.
 */
abstract class TrainingCommand implements Command {

    private final BackendRegistry backends;
    private final TensorEngine engine;
    private final InstalledPlugins plugins;
    private final LiveJobs liveJobs;
    private final boolean pretraining;

    TrainingCommand(BackendRegistry backends, TensorEngine engine, InstalledPlugins plugins, LiveJobs liveJobs,
            boolean pretraining) {
        this.backends = backends;
        this.engine = engine;
        this.plugins = plugins;
        this.liveJobs = liveJobs;
        this.pretraining = pretraining;
    }

    @Override
    public final CommandSpec spec() {
        return TrainOptions.spec(pretraining);
    }

    /** The plugins installed now: a family or dataset source deployed since activation counts. */
    @Override
    public final int run(Invocation invocation) throws Exception {
        return new TrainingJob(TrainingServices.of(backends, engine, plugins), liveJobs, pretraining).run(invocation);
    }
}
