/**
 * The plugins installed right now, as the commands see them: model families, weight formats,
 * tokenizers, chat templates, tuners, dataset sources and row formats.
 */
@Export
@Version("0.1.0")
package dev.kiln.core.plugins;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
