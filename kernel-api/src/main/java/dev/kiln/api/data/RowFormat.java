package dev.kiln.api.data;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * One layout of dataset rows (alpaca, sharegpt, messages, query/response, preference, KTO, plain
 * text), recognised by its fields and converted to the standard {@link Sample}.
 */
@ConsumerType
public interface RowFormat {

    /** A short name for messages: {@code alpaca}, {@code sharegpt}, ... */
    String name();

    /** Whether {@code row} has this format's fields. */
    boolean matches(Row row);

    /**
     * Converts a matching row.
     *
     * @throws DatasetException when a field has the wrong type or a turn is out of order,
     *     naming the row's origin and the field
     */
    Sample convert(Row row) throws DatasetException;
}
