package dev.kiln.api.data;

/** Bad data, with where it is: {@code data/train.jsonl:17: expected a JSON object}. */
public class DatasetException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String origin;

    public DatasetException(String origin, String problem) {
        super(origin + ": " + problem);
        this.origin = origin;
    }

    public DatasetException(String origin, String problem, Throwable cause) {
        super(origin + ": " + problem, cause);
        this.origin = origin;
    }

    /** The file and line, or other place, of the problem. */
    public String origin() {
        return origin;
    }
}
