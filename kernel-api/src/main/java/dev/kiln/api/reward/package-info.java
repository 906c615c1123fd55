/**
 * Reward functions for online alignment (GRPO, PPO): plugins score completions, as ms-swift's ORM
 * plugins do.
 */
@Export
@Version("1.0.0")
package dev.kiln.api.reward;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
