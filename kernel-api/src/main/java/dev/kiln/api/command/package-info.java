/**
 * Subcommands of the {@code kiln} command line, contributed as services.
 *
 * <p>Every {@link dev.kiln.api.command.Command} service registered with a
 * {@link dev.kiln.api.command.CommandName} property becomes {@code kiln <name>}; a plugin bundle
 * adds a subcommand by registering one, and removes it by going away. The kernel parses the
 * options a command declares in its {@link dev.kiln.api.command.CommandSpec}, so commands never
 * see raw arguments and every command gets the same help, errors and exit codes.
 */
@Export
@Version("1.0.0")
package dev.kiln.api.command;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
