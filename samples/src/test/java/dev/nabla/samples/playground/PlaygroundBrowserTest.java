package dev.nabla.samples.playground;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The playground in a real browser: Debian's Chromium, headless, driven through the DevTools protocol over a
 * WebSocket (the JDK's own client; no driver, no download). The page loads, training starts at the press of its
 * button, the loss falls, the decision regions change, and a bad setting gets a message on the page. Without
 * Chromium it skips with the reason, except under CI ({@code CI=true}, where .ci/run installs it), where that fails.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PlaygroundBrowserTest {
    private Playground server;
    private Process chromium;
    private Path profile;
    private Cdp page;

    @BeforeAll
    void open() throws Exception {
        Path browser = Path.of("/usr/bin/chromium");
        if (!Files.isExecutable(browser)) {
            String why = "no Chromium at /usr/bin/chromium (apt-get install chromium)";
            if ("true".equals(System.getenv("CI"))) throw new AssertionError("CI=true: " + why);
            System.out.println("[playground] SKIPPING the browser test: " + why);
            Assumptions.abort(why);
        }
        server = new Playground(0, "cpu");
        profile = Files.createTempDirectory("nabla-chromium");
        chromium = new ProcessBuilder(browser.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile,
                "--remote-debugging-port=0", "--window-size=1100,760", "about:blank").redirectErrorStream(true).start();
        String ws = null;
        BufferedReader out = new BufferedReader(new InputStreamReader(chromium.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (String line; ws == null && System.nanoTime() < deadline && (line = out.readLine()) != null; ) {
            Matcher m = Pattern.compile("DevTools listening on (ws://\\S+)").matcher(line);
            if (m.find()) ws = m.group(1);
        }
        assertThat(ws).as("Chromium's DevTools address").isNotNull();
        Thread drain = new Thread(() -> { try { while (out.readLine() != null) { } } catch (Exception ignored) { } });
        drain.setDaemon(true);
        drain.start();
        // the page target of the first tab
        URI base = URI.create(ws.replaceFirst("^ws", "http").replaceFirst("/devtools/.*$", ""));
        String list = HttpClient.newHttpClient().send(HttpRequest.newBuilder(base.resolve("/json/list")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("\"type\"\\s*:\\s*\"page\"[\\s\\S]*?\"webSocketDebuggerUrl\"\\s*:\\s*\"([^\"]+)\"").matcher(list);
        if (!m.find()) m = Pattern.compile("\"webSocketDebuggerUrl\"\\s*:\\s*\"(ws://[^\"]+/page/[^\"]+)\"").matcher(list);
        assertThat(m.find(0)).as("a page target in " + list).isTrue();
        page = new Cdp(m.group(1));
        page.call("Page.enable", "{}");
        page.call("Page.navigate", "{\"url\":\"http://127.0.0.1:" + server.port() + "/\"}");
        waitFor("document.readyState === 'complete' && !!document.getElementById('train')", 20);
    }

    @AfterAll
    void close() throws Exception {
        if (page != null) page.close();
        if (chromium != null) {                                       // the browser and its helpers (renderer, network service)
            List<ProcessHandle> all = new java.util.ArrayList<>(chromium.descendants().toList());
            all.add(chromium.toHandle());
            all.forEach(ProcessHandle::destroy);
            for (ProcessHandle h : all) {
                try {
                    h.onExit().get(10, TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    h.destroyForcibly();
                }
            }
        }
        if (server != null) server.close();
        if (profile != null) deleteTree(profile);
    }

    /** Deletes the browser's profile; a file that went away meanwhile is not an error (nothing of the test's is there). */
    private static void deleteTree(Path root) throws java.io.IOException {
        Files.walkFileTree(root, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult visitFile(Path file, java.nio.file.attribute.BasicFileAttributes a) throws java.io.IOException {
                Files.deleteIfExists(file);
                return java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult visitFileFailed(Path file, java.io.IOException e) {
                return java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult postVisitDirectory(Path dir, java.io.IOException e) throws java.io.IOException {
                Files.deleteIfExists(dir);
                return java.nio.file.FileVisitResult.CONTINUE;
            }
        });
    }

    private String eval(String js) throws Exception {
        String r = page.call("Runtime.evaluate", "{\"expression\":" + quote(js) + ",\"returnByValue\":true}");
        Matcher m = Pattern.compile("\"value\"\\s*:\\s*(\"(?:[^\"\\\\]|\\\\.)*\"|[^,}]+)").matcher(r);
        if (!m.find()) throw new AssertionError("no value in " + r);
        String v = m.group(1);
        return v.startsWith("\"") ? v.substring(1, v.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\") : v;
    }

    private void waitFor(String condition, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (eval("!!(" + condition + ")").equals("true")) return;
            Thread.sleep(100);
        }
        throw new AssertionError("the page did not reach " + condition + " within " + seconds + " s; state: "
                + eval("JSON.stringify(window.nablaState)"));
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    @Test
    void thePageLoadsTrainingStartsTheLossFallsAndThePictureChanges() throws Exception {
        assertThat(eval("document.title")).isEqualTo("Nabla playground");
        eval("document.getElementById('dataset').value = 'xor'; document.getElementById('lr').value = '0.03'; "
                + "document.getElementById('train').click(); 'clicked'");
        waitFor("window.nablaState.epoch >= 10", 60);
        String early = eval("String(window.nablaState.regionsHash)");
        float first = Float.parseFloat(eval("String(window.nablaState.losses[0])"));
        waitFor("window.nablaState.epoch >= 150", 120);
        eval("document.getElementById('stop').click(); 'stopped'");
        int n = Integer.parseInt(eval("String(window.nablaState.losses.length)"));
        float last = Float.parseFloat(eval("String(window.nablaState.losses[" + (n - 1) + "])"));
        String late = eval("String(window.nablaState.regionsHash)");
        String status = eval("document.getElementById('status').textContent");
        System.out.printf("[playground] XOR in Chromium: loss %.4f after 5 epochs, %.4f after %d; status '%s'%n", first, last, 5 * n, status);
        assertThat(last).as("the loss falls").isLessThan(first * 0.5f);
        assertThat(late).as("the decision regions changed").isNotEqualTo(early);
        assertThat(status).contains("epoch").contains("loss").contains("accuracy");
        assertThat(eval("String(document.querySelectorAll('#network line').length)")).as("every weight drawn")
                .isEqualTo(String.valueOf(2 * 8 + 8 * 8 + 8 * 2));
        assertThat(eval("window.nablaState.error")).isEmpty();
        screenshot("playground-xor.png");
    }

    /** With NABLA_SCREENSHOTS=DIR, the page as the browser drew it, to look at. */
    private void screenshot(String name) throws Exception {
        String dir = System.getenv("NABLA_SCREENSHOTS");
        if (dir == null) return;
        String r = page.call("Page.captureScreenshot", "{\"format\":\"png\"}");
        Matcher m = Pattern.compile("\"data\"\\s*:\\s*\"([^\"]+)\"").matcher(r);
        if (m.find()) Files.write(Path.of(dir, name), java.util.Base64.getDecoder().decode(m.group(1)));
    }

    @Test
    void aBadSettingGetsAMessageOnThePage() throws Exception {
        eval("document.getElementById('lr').value = '-1'; document.getElementById('train').click(); 'clicked'");
        waitFor("window.nablaState.error !== ''", 20);
        assertThat(eval("document.getElementById('error').textContent")).contains("learning rate").contains("-1");
        assertThat(eval("String(window.nablaState.running)")).isEqualTo("false");
        eval("document.getElementById('lr').value = '0.03'; document.getElementById('hidden').value = '8,x'; "
                + "document.getElementById('train').click(); 'clicked'");
        waitFor("document.getElementById('error').textContent.includes('x')", 20);
        assertThat(eval("document.getElementById('error').textContent")).contains("hidden layers");
        eval("document.getElementById('hidden').value = '8,8'; 'reset'");
    }

    /** The smallest DevTools client: numbered calls over a WebSocket, answers matched by id. */
    static final class Cdp implements WebSocket.Listener, AutoCloseable {
        private final WebSocket ws;
        private final AtomicInteger ids = new AtomicInteger();
        private final Map<Integer, CompletableFuture<String>> waiting = new ConcurrentHashMap<>();
        private final StringBuilder partial = new StringBuilder();

        Cdp(String url) {
            ws = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10)).buildAsync(URI.create(url), this).join();
        }

        String call(String method, String params) throws Exception {
            int id = ids.incrementAndGet();
            CompletableFuture<String> f = new CompletableFuture<>();
            waiting.put(id, f);
            ws.sendText("{\"id\":" + id + ",\"method\":\"" + method + "\",\"params\":" + params + "}", true).join();
            return f.get(30, TimeUnit.SECONDS);
        }

        @Override
        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String msg = partial.toString();
                partial.setLength(0);
                Matcher m = Pattern.compile("^\\{\"id\":(\\d+)").matcher(msg);
                if (m.find()) {
                    CompletableFuture<String> f = waiting.remove(Integer.parseInt(m.group(1)));
                    if (f != null) f.complete(msg);
                }
            }
            w.request(1);
            return null;
        }

        @Override
        public void close() { ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").join(); }
    }
}
