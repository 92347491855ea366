package dev.nabla.samples.playground;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.nabla.backend.Backend;
import dev.nabla.backend.Backends;
import dev.nabla.samples.Main;
import dev.nabla.samples.Options;
import java.io.IOException;
import java.io.PrintStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code ./nabla playground}: a page on 127.0.0.1 where a student picks a data set (XOR, circles, spirals), the hidden
 * layers, the activation, the optimizer and η, presses train, and watches the loss curve, the decision regions and
 * the network's weights change while the engine trains. The JDK's own HTTP server, a page and a script from the jar:
 * no CDN, no download, works offline. The page asks {@code /api/start} for a session, then {@code /api/step}
 * for a few epochs at a time; each answer is JSON with the loss, the accuracy, the class-1 probability over a grid,
 * and every weight.
 */
public final class Playground implements AutoCloseable {
    private final HttpServer server;
    private final Backend ops;
    private final Map<Integer, Session> sessions = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();

    /** Serves on 127.0.0.1:{@code port} (0: any free port) with the engine on {@code backend}. */
    public Playground(int port, String backend) throws IOException { this(port, Backends.create(backend)); }

    /** Serves on 127.0.0.1:{@code port} (0: any free port) with the engine on {@code ops}, which it closes at the end. */
    public Playground(int port, Backend ops) throws IOException {
        this.ops = ops;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {   // one thread: one backend, requests in order
            Thread t = new Thread(r, "nabla-playground");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    /** The port the page is served on. */
    public int port() { return server.getAddress().getPort(); }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        try {
            switch (path) {
                case "/", "/index.html" -> resource(ex, "index.html", "text/html; charset=utf-8");
                case "/playground.js" -> resource(ex, "playground.js", "text/javascript; charset=utf-8");
                case "/api/start" -> {
                    Session s = new Session(Settings.parse(query(ex)), ops);
                    int id = ids.incrementAndGet();
                    sessions.values().forEach(Session::close);                 // one student, one run at a time
                    sessions.clear();
                    sessions.put(id, s);
                    send(ex, 200, "application/json", "{\"session\":" + id + "," + s.describe() + "}");
                }
                case "/api/step" -> {
                    Map<String, String> q = query(ex);
                    Session s = sessions.get(Settings.integer(q, "session", 0, 1, Integer.MAX_VALUE));
                    if (s == null) throw new IllegalArgumentException("no such training session (start again)");
                    send(ex, 200, "application/json", s.step(Settings.integer(q, "epochs", 5, 1, 100)));
                }
                default -> send(ex, 404, "text/plain; charset=utf-8", "not found: " + path);
            }
        } catch (IllegalArgumentException | ArithmeticException bad) {            // bad settings, a diverging run: the page says so
            send(ex, 400, "application/json", "{\"error\":" + Json.string(bad.getMessage()) + "}");
        } catch (RuntimeException e) {
            send(ex, 500, "application/json", "{\"error\":" + Json.string("the engine failed: " + e) + "}");
        }
    }

    private static Map<String, String> query(HttpExchange ex) {
        Map<String, String> q = new LinkedHashMap<>();
        String raw = ex.getRequestURI().getRawQuery();
        if (raw == null) return q;
        for (String kv : raw.split("&")) {
            int eq = kv.indexOf('=');
            if (eq <= 0) continue;
            q.put(URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return q;
    }

    private static void resource(HttpExchange ex, String name, String type) throws IOException {
        try (InputStream in = Playground.class.getResourceAsStream("/dev/nabla/playground/" + name)) {
            if (in == null) throw new UncheckedIOException(new IOException("missing resource " + name));
            send(ex, 200, type, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        sessions.values().forEach(Session::close);
        ops.close();
    }

    public static final Options.Spec OPTIONS = new Options.Spec("playground",
            "a browser page to train small networks live (the classroom's playground): http://127.0.0.1:PORT/")
            .integer("port", 8765, 0, 65_535, "the port on 127.0.0.1 (0: any free one)")
            .common();

    /** {@code ./nabla playground [--port 8765] [--backend cpu]}: serves until interrupted. */
    public static void main(String[] args) { Main.main(Main.withCommand("playground", args)); }

    public static void run(Options o, PrintStream out) {
        Backend ops = o.backend(out);
        try {
            Playground p = new Playground(o.getInt("port"), ops);
            out.printf("Nabla playground on http://127.0.0.1:%d/ (engine on '%s'); Ctrl-C to stop%n", p.port(), ops.name());
            Thread.currentThread().join();
        } catch (IOException e) {
            throw Options.usage("--port " + o.getInt("port") + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
