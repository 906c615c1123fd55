package dev.kiln.core.hub;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpResponse.BodySubscribers;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * HTTP for the hubs: GETs that follow redirects by hand, so that credentials go to the hub but
 * not to the storage a download is redirected to on another host, and that never hang: a
 * response, and every further piece of a body, must come within the read timeout.
 */
final class HubHttp implements AutoCloseable {

    private static final int MAX_REDIRECTS = 10;
    private static final String USER_AGENT = "kiln/0.1";

    /** Where a download's body goes once the response says it is coming. */
    interface BodyTarget {

        /**
         * The server answered 2xx; {@code partial} when it honoured the Range (206), else the
         * body is the whole file.
         */
        void open(boolean partial, HttpHeaders headers) throws IOException;

        void write(ByteBuffer data) throws IOException;
    }

    /**
     * A response after redirects.
     *
     * @param uri the URI that answered
     * @param body the text of the response, or of an error; empty for a body that went to a target
     */
    record Response(URI uri, int status, HttpHeaders headers, String body) {

        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        boolean ok() {
            return status / 100 == 2;
        }
    }

    private final HttpClient client;
    private final Duration readTimeout;

    HubHttp(Duration connectTimeout, Duration readTimeout) {
        this.client = HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.readTimeout = readTimeout;
    }

    /** GETs {@code uri} as text. */
    Response get(URI uri, Map<String, String> credentials) {
        return follow(uri, credentials, -1, null);
    }

    /**
     * GETs {@code uri} into {@code target}, from byte {@code rangeStart} on when it is positive.
     * A non-2xx response comes back with its text and nothing is written.
     */
    Response download(URI uri, Map<String, String> credentials, long rangeStart, BodyTarget target) {
        return follow(uri, credentials, rangeStart, Objects.requireNonNull(target));
    }

    private Response follow(URI start, Map<String, String> credentials, long rangeStart, BodyTarget target) {
        URI uri = start;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            // Credentials are for the hub's host; a redirect elsewhere (LFS storage, a CDN) gets
            // a signed URL and must not see them.
            boolean sameHost = Objects.equals(uri.getHost(), start.getHost())
                    && uri.getPort() == start.getPort();
            Response response = once(uri, sameHost ? credentials : Map.of(), rangeStart, target);
            if (!isRedirect(response.status())) {
                return response;
            }
            String location = response.header("Location");
            if (location == null) {
                throw new HubException(uri + " answered HTTP " + response.status()
                        + " (a redirect) without a Location");
            }
            uri = uri.resolve(location);
        }
        throw new HubException(start + ": more than " + MAX_REDIRECTS + " redirects");
    }

    private Response once(URI uri, Map<String, String> credentials, long rangeStart, BodyTarget target) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET()
                .timeout(readTimeout)
                .header("User-Agent", USER_AGENT);
        credentials.forEach(request::header);
        if (rangeStart > 0) {
            request.header("Range", "bytes=" + rangeStart + "-");
        }
        AtomicLong lastActivity = new AtomicLong(System.nanoTime());
        HttpResponse.BodyHandler<String> handler = info -> {
            lastActivity.set(System.nanoTime());
            if (target == null || info.statusCode() / 100 != 2) {
                return BodySubscribers.ofString(StandardCharsets.UTF_8);
            }
            try {
                target.open(info.statusCode() == 206, info.headers());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new ToTarget(target, lastActivity);
        };
        HttpResponse<String> response = await(client.sendAsync(request.build(), handler), uri, lastActivity);
        return new Response(uri, response.statusCode(), response.headers(),
                response.body() == null ? "" : response.body());
    }

    private <T> HttpResponse<T> await(CompletableFuture<HttpResponse<T>> future, URI uri, AtomicLong lastActivity) {
        while (true) {
            try {
                return future.get(200, TimeUnit.MILLISECONDS);
            } catch (TimeoutException notYet) {
                if (System.nanoTime() - lastActivity.get() > readTimeout.toNanos()) {
                    future.cancel(true);
                    throw new HubException(uri + ": no data for " + readTimeout.toSeconds()
                            + " s; the network or the server stalled, try again");
                }
            } catch (InterruptedException e) {
                future.cancel(true);
                Thread.currentThread().interrupt();
                throw new HubException("interrupted while fetching " + uri, e);
            } catch (ExecutionException e) {
                throw failure(uri, e.getCause());
            }
        }
    }

    private HubException failure(URI uri, Throwable cause) {
        if (cause instanceof HubException hub) {
            return hub;
        }
        if (cause instanceof UncheckedIOException unchecked) {
            cause = unchecked.getCause();
        }
        String why = switch (cause) {
            case HttpTimeoutException t -> "no response within " + readTimeout.toSeconds() + " s";
            case ConnectException c -> "could not connect (" + describe(c) + ")";
            default -> describe(cause);
        };
        return new HubException("could not fetch " + uri + ": " + why, cause);
    }

    private static String describe(Throwable t) {
        String message = t.getMessage();
        return message == null || message.isBlank() ? t.getClass().getSimpleName()
                : t.getClass().getSimpleName() + ": " + message;
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    @Override
    public void close() {
        client.shutdownNow();
    }

    /** Streams a body into a {@link BodyTarget}, noting when data last arrived. */
    private static final class ToTarget implements BodySubscriber<String> {

        private final BodyTarget target;
        private final AtomicLong lastActivity;
        private final CompletableFuture<String> done = new CompletableFuture<>();
        private Flow.Subscription subscription;

        ToTarget(BodyTarget target, AtomicLong lastActivity) {
            this.target = target;
            this.lastActivity = lastActivity;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(1);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            try {
                for (ByteBuffer item : items) {
                    target.write(item);
                }
                lastActivity.set(System.nanoTime());
                subscription.request(1);
            } catch (IOException | RuntimeException e) {
                subscription.cancel();
                done.completeExceptionally(e);
            }
        }

        @Override
        public void onError(Throwable t) {
            done.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            done.complete("");
        }

        @Override
        public CompletionStage<String> getBody() {
            return done;
        }
    }
}
