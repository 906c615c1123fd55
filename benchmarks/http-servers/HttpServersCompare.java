import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The JDK's com.sun.net.httpserver against Jetty 12 (what Felix HTTP's jetty12 bundle embeds),
 * each with a virtual thread per request, on what a token-streaming server needs:
 *
 * 1. streaming: one client, 200 server-sent events 5 ms apart; the gaps the client sees (p50/p99);
 * 2. disconnect: the client reads 3 events (10 ms apart) and closes; how long until a write on
 *    the server fails, and how many writes succeed in between (20 trials);
 * 3. concurrency: 1000 simultaneous streams of 20 events 50 ms apart; completed streams, wall
 *    time, peak live threads.
 *
 * Run by http-servers.sh (which fetches Jetty). Both servers in one JVM, one after the other.
 */
public class HttpServersCompare {

    interface Sse { void stream(int events, long intervalMs) throws IOException; }

    /** Server-side record of failed writes: when, and how many writes got through before. */
    static final AtomicLong failedAt = new AtomicLong();
    static final AtomicInteger writesBeforeFailure = new AtomicInteger();

    static void serve(OutputStream out, int events, long intervalMs) throws IOException {
        int written = 0;
        try {
            for (int i = 0; i < events; i++) {
                out.write(("data: {\"i\": " + i + "}\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                written++;
                Thread.sleep(intervalMs);
            }
            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            out.close();
        } catch (IOException e) {
            failedAt.set(System.nanoTime());
            writesBeforeFailure.set(written);
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static int[] query(String path) {
        // /sse?events=N&interval=MS
        String[] parts = path.substring(path.indexOf('?') + 1).split("&");
        return new int[] {Integer.parseInt(parts[0].split("=")[1]), Integer.parseInt(parts[1].split("=")[1])};
    }

    interface Running extends AutoCloseable { int port(); @Override void close() throws Exception; }

    static Running jdk() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        server.createContext("/", exchange -> {
            int[] q = query(exchange.getRequestURI().toString());
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            try (exchange) {
                serve(exchange.getResponseBody(), q[0], q[1]);
            } catch (IOException gone) {
                // recorded
            }
        });
        server.start();
        return new Running() {
            public int port() { return server.getAddress().getPort(); }
            public void close() { server.stop(0); executor.shutdownNow(); }
        };
    }

    static Running jetty() throws Exception {
        QueuedThreadPool pool = new QueuedThreadPool();
        pool.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
        Server server = new Server(pool);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        connector.setAcceptQueueSize(1024);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                int[] q = query(request.getHttpURI().getPathQuery());
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream");
                try {
                    serve(Content.Sink.asOutputStream(response), q[0], q[1]);
                    callback.succeeded();
                } catch (IOException e) {
                    callback.failed(e);
                }
                return true;
            }
        });
        server.start();
        return new Running() {
            public int port() { return connector.getLocalPort(); }
            public void close() throws Exception { server.stop(); }
        };
    }

    /** Opens a stream; returns the socket and a reader positioned at the body. */
    static Socket open(int port, int events, int intervalMs) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.getOutputStream().write(("GET /sse?events=" + events + "&interval=" + intervalMs
                + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        return socket;
    }

    static BufferedReader reader(Socket s) throws IOException {
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
    }

    static double pct(List<Double> v, double p) {
        List<Double> s = new ArrayList<>(v);
        Collections.sort(s);
        return s.get((int) Math.min(s.size() - 1, Math.round((s.size() - 1) * p / 100)));
    }

    static String streaming(int port) throws IOException {
        List<Double> gaps = new ArrayList<>();
        try (Socket s = open(port, 200, 5)) {
            BufferedReader in = reader(s);
            long last = 0;
            for (String line = in.readLine(); line != null && !line.contains("[DONE]"); line = in.readLine()) {
                if (line.startsWith("data: {")) {
                    long now = System.nanoTime();
                    if (last != 0) {
                        gaps.add((now - last) / 1e6);
                    }
                    last = now;
                }
            }
        }
        return String.format("%d events, gap p50 %.1f ms, p99 %.1f ms (sent 5 ms apart)",
                gaps.size() + 1, pct(gaps, 50), pct(gaps, 99));
    }

    static String disconnect(int port) throws Exception {
        List<Double> latencies = new ArrayList<>();
        List<Double> extraWrites = new ArrayList<>();
        for (int trial = 0; trial < 20; trial++) {
            failedAt.set(0);
            long closedAt;
            try (Socket s = open(port, 1000, 10)) {
                BufferedReader in = reader(s);
                int events = 0;
                for (String line = in.readLine(); events < 3; line = in.readLine()) {
                    if (line.startsWith("data: {")) {
                        events++;
                    }
                }
                closedAt = System.nanoTime();
            }
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (failedAt.get() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            if (failedAt.get() == 0) {
                return "a departed client was not noticed within 5 s";
            }
            latencies.add((failedAt.get() - closedAt) / 1e6);
            extraWrites.add((double) writesBeforeFailure.get() - 3);
        }
        return String.format("write fails %.0f ms (p50) / %.0f ms (max) after the close; %.0f-%.0f writes succeed in between",
                pct(latencies, 50), pct(latencies, 100), pct(extraWrites, 0), pct(extraWrites, 100));
    }

    static String concurrency(int port) throws Exception {
        int clients = 1000;
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        threads.resetPeakThreadCount();
        AtomicInteger complete = new AtomicInteger();
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        CountDownLatch done = new CountDownLatch(clients);
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < clients; c++) {
                pool.submit(() -> {
                    try (Socket s = open(port, 20, 50)) {
                        BufferedReader in = reader(s);
                        int events = 0;
                        for (String line = in.readLine(); line != null; line = in.readLine()) {
                            if (line.startsWith("data: {")) {
                                events++;
                            } else if (line.contains("[DONE]")) {
                                break;
                            }
                        }
                        if (events == 20) {
                            complete.incrementAndGet();
                        }
                    } catch (IOException e) {
                        errors.add(e.toString());
                    } finally {
                        done.countDown();
                    }
                });
            }
            done.await();
        }
        return String.format("%d/%d streams complete in %.2f s (20 events 50 ms apart: 1.0 s each), peak %d live threads%s",
                complete.get(), clients, (System.nanoTime() - start) / 1e9, threads.getPeakThreadCount(),
                errors.isEmpty() ? "" : ", errors: " + errors.peek());
    }

    public static void main(String[] args) throws Exception {
        for (String name : List.of("jdk", "jetty")) {
            try (Running server = name.equals("jdk") ? jdk() : jetty()) {
                streaming(server.port()); // warm up
                System.out.println(name + " streaming:   " + streaming(server.port()));
                System.out.println(name + " disconnect:  " + disconnect(server.port()));
                System.out.println(name + " concurrency: " + concurrency(server.port()));
            }
        }
    }
}
