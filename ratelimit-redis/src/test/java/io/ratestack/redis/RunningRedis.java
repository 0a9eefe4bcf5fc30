package io.ratestack.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A {@link TestRedis} for a test class: started before its tests, stopped after them. Connections made with
 * {@link #connect()} are closed after each test. Register it on a static field:
 *
 * <pre>{@code @RegisterExtension
 * static final RunningRedis redis = new RunningRedis();}</pre>
 */
public final class RunningRedis implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {

    private final List<StatefulRedisConnection<String, String>> open = new CopyOnWriteArrayList<>();
    private TestRedis server;
    private RedisClient client;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        server = TestRedis.start();
        client = server.client();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        for (StatefulRedisConnection<String, String> connection : open) {
            connection.close();
        }
        open.clear();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        afterEach(context);
        client.shutdown();
        server.close();
    }

    /** @return the running server */
    public TestRedis server() {
        return server;
    }

    /** @return a client of the server, shut down after the class */
    public RedisClient client() {
        return client;
    }

    /** @return a new connection, closed after the test */
    public StatefulRedisConnection<String, String> connect() {
        StatefulRedisConnection<String, String> connection = client.connect();
        open.add(connection);
        return connection;
    }
}
