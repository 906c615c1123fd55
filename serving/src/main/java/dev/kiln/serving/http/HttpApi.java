package dev.kiln.serving.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.kiln.serving.metrics.Metrics;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The HTTP server: the JDK's {@code com.sun.net.httpserver} with a virtual thread per request,
 * so a slow or streaming client holds no platform thread. It routes by method and path, checks
 * the API key on {@code /v1/} paths, turns {@link ApiError}s (and anything unexpected) into
 * OpenAI error objects, and counts every answer in the metrics.
 */
public final class HttpApi implements AutoCloseable {

    /** A route's handler. */
    @FunctionalInterface
    public interface Handler {
        void handle(Call call) throws IOException, InterruptedException;
    }

    private final Map<String, Map<String, Handler>> routes = new LinkedHashMap<>();
    private final ApiKeys keys;
    private final Metrics metrics;
    private final ObjectMapper json;
    private final long maxBodyBytes;
    private final PrintStream log;
    private HttpServer server;
    private ExecutorService executor;

    public HttpApi(ApiKeys keys, Metrics metrics, ObjectMapper json, long maxBodyBytes, PrintStream log) {
        this.keys = keys;
        this.metrics = metrics;
        this.json = json;
        this.maxBodyBytes = maxBodyBytes;
        this.log = log;
    }

    /** Routes {@code method path} to {@code handler}. */
    public HttpApi route(String method, String path, Handler handler) {
        routes.computeIfAbsent(path, p -> new LinkedHashMap<>()).put(method, handler);
        return this;
    }

    /** Starts listening; port 0 picks a free one (see {@link #address()}). */
    public void start(InetSocketAddress address) throws IOException {
        server = HttpServer.create(address, 256);
        executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        server.createContext("/", this::dispatch);
        server.start();
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
            executor.shutdownNow();
        }
    }

    private void dispatch(HttpExchange exchange) {
        long start = System.nanoTime();
        Call call = new Call(exchange, json, maxBodyBytes);
        String path = normalized(call.path());
        String endpoint = routes.containsKey(path) ? path : "other";
        try {
            handle(call, path);
        } catch (ApiError e) {
            answer(call, e);
        } catch (IOException e) {
            // the client went away; nothing to answer
        } catch (InterruptedException e) {
            answer(call, ApiError.unavailable("the server is shutting down"));
        } catch (RuntimeException | Error e) {
            log.println("kiln: " + call.method() + " " + path + " failed: " + e);
            answer(call, ApiError.serverError("The server failed on this request: " + e));
        } finally {
            exchange.close();
            metrics.request(endpoint, call.status(), (System.nanoTime() - start) / 1e9);
            if (call.status() == 429) {
                metrics.rejected();
            }
        }
    }

    private void handle(Call call, String path) throws IOException, InterruptedException {
        Map<String, Handler> byMethod = routes.get(path);
        if (byMethod == null) {
            throw ApiError.unknownUrl(call.method(), path);
        }
        Handler handler = byMethod.get(call.method());
        if (handler == null) {
            throw ApiError.methodNotAllowed(call.method(), path);
        }
        String authorization = call.header("Authorization");
        if (path.startsWith("/v1/") && !keys.accepts(authorization)) {
            throw ApiError.unauthorized(authorization == null
                    ? "You didn't provide an API key. Provide it in the Authorization header"
                            + " (Authorization: Bearer YOUR_KEY)."
                    : "Incorrect API key provided.");
        }
        handler.handle(call);
    }

    /** Answers an error unless the answer has begun (then the stream's own handler ended it). */
    private void answer(Call call, ApiError error) {
        if (call.status() != 0) {
            return;
        }
        try {
            call.error(error);
        } catch (IOException gone) {
            // the client went away
        }
    }

    /** {@code /v1/models/} as {@code /v1/models}. */
    private static String normalized(String path) {
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }
}
