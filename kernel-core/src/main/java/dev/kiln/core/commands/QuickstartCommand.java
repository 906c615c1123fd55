package dev.kiln.core.commands;

import dev.kiln.api.command.Command;
import dev.kiln.api.command.CommandName;
import dev.kiln.api.command.CommandSpec;
import dev.kiln.api.command.Invocation;
import dev.kiln.core.backend.BackendRegistry;
import dev.kiln.core.backend.LiveJobs;
import dev.kiln.core.plugins.InstalledPlugins;
import dev.kiln.core.quickstart.Quickstart;
import dev.kiln.core.tensor.TensorEngine;
import dev.kiln.core.train.job.TrainingServices;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code kiln quickstart}: tokenizer, pretraining, LoRA fine-tuning and a before/after comparison (see {@link Quickstart}). */
@Component
@CommandName("quickstart")
public final class QuickstartCommand implements Command {

    private final Quickstart quickstart;

    @Activate
    public QuickstartCommand(@Reference BackendRegistry backends, @Reference TensorEngine engine,
            @Reference InstalledPlugins plugins, @Reference LiveJobs liveJobs) {
        this.quickstart = new Quickstart(TrainingServices.of(backends, engine, plugins),
                plugins.tokenizerTrainers(), liveJobs);
    }

    @Override
    public CommandSpec spec() {
        return Quickstart.spec();
    }

    @Override
    public int run(Invocation invocation) throws Exception {
        return quickstart.run(invocation);
    }
}
