package dev.kiln.core.commands;

import dev.kiln.api.command.Command;
import dev.kiln.api.command.CommandName;
import dev.kiln.core.backend.BackendRegistry;
import dev.kiln.core.backend.LiveJobs;
import dev.kiln.core.plugins.InstalledPlugins;
import dev.kiln.core.tensor.TensorEngine;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code kiln sft}: supervised fine-tuning on conversations. */
@Component(service = Command.class)
@CommandName("sft")
public final class SftCommand extends TrainingCommand {

    @Activate
    public SftCommand(@Reference BackendRegistry backends, @Reference TensorEngine engine,
            @Reference InstalledPlugins plugins, @Reference LiveJobs liveJobs) {
        super(backends, engine, plugins, liveJobs, false);
    }
}
