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

/**
 * {@code kiln pt}: pretraining on plain text, loss on every token; a model directory with
 * config.json and a tokenizer but no weights starts from random weights.
 */
@Component(service = Command.class)
@CommandName("pt")
public final class PtCommand extends TrainingCommand {

    @Activate
    public PtCommand(@Reference BackendRegistry backends, @Reference TensorEngine engine,
            @Reference InstalledPlugins plugins, @Reference LiveJobs liveJobs) {
        super(backends, engine, plugins, liveJobs, true);
    }
}
