package dev.kiln.api.chat;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.osgi.service.component.annotations.ComponentPropertyType;

/** The service property {@value #PROPERTY} that names a built-in {@link ChatTemplate} ({@code --template}). */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface TemplateName {

    /** Prefix that turns the annotation's name into the property {@value #PROPERTY}. */
    String PREFIX_ = "kiln.";

    /** The service property that carries the template's name. */
    String PROPERTY = "kiln.template.name";

    /** The template's name: {@code chatml}, {@code llama3}, ... */
    String value();
}
