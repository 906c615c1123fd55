package dev.kiln.api.command;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * The service property {@value #PROPERTY} that names a {@link Command}: {@code kiln <value>}.
 * Names are lower case words joined by '-', as on the command line.
 */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface CommandName {

    /** Prefix that turns the annotation's name into the property {@value #PROPERTY}. */
    String PREFIX_ = "kiln.";

    /** The service property that carries the command's name. */
    String PROPERTY = "kiln.command.name";

    /** The subcommand's name. */
    String value();
}
