package dev.kiln.serving.http;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An error answered as OpenAI answers it: an HTTP status and the body
 * {@code {"error": {"message", "type", "param", "code"}}}.
 *
 * @see <a href="https://platform.openai.com/docs/guides/error-codes">OpenAI's error codes</a>
 */
public final class ApiError extends RuntimeException {

    private final int status;
    private final String type;
    private final String param;
    private final String code;
    private final Integer retryAfterSeconds;

    private ApiError(int status, String type, String message, String param, String code,
            Integer retryAfterSeconds) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** 400: the request is malformed; {@code param} names the field at fault, or is null. */
    public static ApiError badRequest(String message, String param) {
        return new ApiError(400, "invalid_request_error", message, param, null, null);
    }

    /** 400 with an OpenAI error code, such as {@code context_length_exceeded}. */
    public static ApiError badRequest(String message, String param, String code) {
        return new ApiError(400, "invalid_request_error", message, param, code, null);
    }

    /** 401: no API key, or a wrong one. */
    public static ApiError unauthorized(String message) {
        return new ApiError(401, "invalid_request_error", message, null, "invalid_api_key", null);
    }

    /** 404: the model named is not served. */
    public static ApiError modelNotFound(String model) {
        return new ApiError(404, "invalid_request_error", "The model `" + model
                + "` does not exist or you do not have access to it.", "model", "model_not_found", null);
    }

    /** 404: no such endpoint. */
    public static ApiError unknownUrl(String method, String path) {
        return new ApiError(404, "invalid_request_error", "Invalid URL (" + method + " " + path + ")",
                null, "unknown_url", null);
    }

    /** 405: the endpoint exists, but not for this method. */
    public static ApiError methodNotAllowed(String method, String path) {
        return new ApiError(405, "invalid_request_error", "Method " + method + " is not allowed for "
                + path, null, "method_not_allowed", null);
    }

    /** 409: the request conflicts with the server's state (an adapter still in use). */
    public static ApiError conflict(String message) {
        return new ApiError(409, "invalid_request_error", message, null, "conflict", null);
    }

    /** 413: the body is larger than the server accepts. */
    public static ApiError tooLarge(long limit) {
        return new ApiError(413, "invalid_request_error", "The request body is larger than " + limit
                + " bytes, the most this server accepts.", null, "request_too_large", null);
    }

    /** 429: the server's queue is full; try again after {@code retryAfterSeconds}. */
    public static ApiError overloaded(String message, int retryAfterSeconds) {
        return new ApiError(429, "requests", message, null, "rate_limit_exceeded", retryAfterSeconds);
    }

    /** 500: something failed in the server. */
    public static ApiError serverError(String message) {
        return new ApiError(500, "server_error", message, null, null, null);
    }

    /** 503: the server is shutting down. */
    public static ApiError unavailable(String message) {
        return new ApiError(503, "server_error", message, null, "service_unavailable", 1);
    }

    public int status() {
        return status;
    }

    /** Seconds for the Retry-After header, or null for none. */
    public Integer retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** The error object. */
    public ObjectNode body() {
        ObjectNode error = JsonNodeFactory.instance.objectNode();
        error.put("message", getMessage());
        error.put("type", type);
        error.put("param", param);
        error.put("code", code);
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.set("error", error);
        return body;
    }
}
