/**
 * Conversations and the chat templates that turn them into prompt text: the built-in templates
 * are {@link dev.kiln.api.chat.ChatTemplate} services named by {@code kiln.template.name}; a
 * model's own Jinja template is compiled by a {@link dev.kiln.api.chat.ChatTemplateEngine}.
 */
@Export
@Version("1.0.0")
package dev.kiln.api.chat;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
