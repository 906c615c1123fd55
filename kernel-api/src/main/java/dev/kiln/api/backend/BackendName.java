package dev.kiln.api.backend;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * The service property {@value #PROPERTY} that names a {@link Backend}, as the user names it
 * with {@code --device}: {@code cpu}, {@code cuda}, {@code opencl}, {@code ascend}.
 */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface BackendName {

    /** Prefix that turns the annotation's name into the property {@value #PROPERTY}. */
    String PREFIX_ = "kiln.";

    /** The service property that carries the backend's name. */
    String PROPERTY = "kiln.backend.name";

    /** The backend's name. */
    String value();
}
