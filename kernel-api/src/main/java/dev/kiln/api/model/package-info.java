/**
 * Model families: a {@link dev.kiln.api.model.ModelFamily} service builds a
 * {@link dev.kiln.api.model.CausalLM} for the architectures it serves from a
 * {@link dev.kiln.api.model.ModelConfig}; its {@link dev.kiln.api.model.LinearLayer}s are where
 * tuners and quantizers attach.
 */
@Export
@Version("1.1.0")
package dev.kiln.api.model;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
