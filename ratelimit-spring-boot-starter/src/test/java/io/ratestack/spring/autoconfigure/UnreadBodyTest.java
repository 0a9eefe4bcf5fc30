package io.ratestack.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratestack.spring.HttpTestApp;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * A refused request whose body is never sent in full costs no thread, over real HTTP on Tomcat with 4 worker
 * threads: the 429 says {@code Connection: close} and the server closes the connection after it, instead of reading
 * the body to its end as slowly as the client sends it. The limit: 1 per 10 s per route, on a fake clock.
 */
@SpringBootTest(classes = HttpTestApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"server.tomcat.threads.max=4", "server.tomcat.threads.min-spare=1",
                "ratelimit.per-route.limit=1", "ratelimit.per-route.per=10s"})
class UnreadBodyTest {

    @LocalServerPort
    int port;

    /** Sends a request's head and the first byte of a 100,000-byte body, and no more. */
    private Socket slowBody(String path) throws Exception {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(5_000);
        OutputStream out = socket.getOutputStream();
        out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\n\r\nx")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return socket;
    }

    /** Everything the server sends until it closes the connection; fails if it holds it open for 5 s. */
    private static String readUntilClosed(Socket socket) throws Exception {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[4096];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                received.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException held) {
            throw new AssertionError("the server held the connection open after: " + received, held);
        }
        return received.toString(StandardCharsets.US_ASCII);
    }

    private String get(String path) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return readUntilClosed(socket);
        }
    }

    @Test
    void refusalsOfSlowBodiesCloseTheirConnectionsAndHoldNoThread() throws Exception {
        assertThat(get("/test")).startsWith("HTTP/1.1 200"); // spends the route's one use
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) { // twice the worker threads
                slow.add(slowBody("/test"));
            }
            for (Socket socket : slow) {
                String response = readUntilClosed(socket);
                assertThat(response).startsWith("HTTP/1.1 429").containsIgnoringCase("Connection: close");
            }

            assertThat(get("/other")).as("another request is served at once").startsWith("HTTP/1.1 200");
        } finally {
            for (Socket socket : slow) {
                socket.close();
            }
        }
    }

    @Test
    void aRefusalWithoutABodyKeepsTheConnection() throws Exception {
        get("/kept");
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            out.write("GET /kept HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write("GET /kept HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            String responses = readUntilClosed(socket);

            assertThat(responses.split("HTTP/1.1 429", -1)).as("both answered on one connection").hasSize(3);
        }
    }
}
