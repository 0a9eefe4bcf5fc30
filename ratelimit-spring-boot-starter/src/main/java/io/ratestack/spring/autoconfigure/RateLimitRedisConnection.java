package io.ratestack.spring.autoconfigure;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.codec.StringCodec;
import io.ratestack.redis.RedisLimits;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.ratestack.spring.web.RateLimitConfigurationException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * The Lettuce connection of the Redis store, closed when the application stops. Only made when
 * {@code ratelimit.store=redis} and the application has no {@code RedisLimits} bean of its own.
 *
 * <p>When the application has Spring Data Redis with Lettuce (a {@code LettuceConnectionFactory} bean, as Spring
 * Boot makes it from {@code spring.data.redis.*}, its SSL bundles and its connection details such as Docker Compose
 * and Testcontainers service connections) and {@code ratelimit.redis.url} is not set, the store opens its connection
 * from that factory's own Lettuce client: the same server, Sentinel or cluster, credentials, TLS and client
 * resources as the application ({@link #shared}); the client stays the application's.
 *
 * <p>Otherwise the starter makes its own client ({@link #open}), which it shuts down when the application stops:
 * {@code ratelimit.redis.url} when set, else the application's {@code spring.data.redis.*}: {@code url}, or
 * {@code host}, {@code port}, {@code username}, {@code password}, {@code database} and {@code ssl.enabled}; or, when
 * {@code spring.data.redis.sentinel.master} is set, the master that the Sentinels of
 * {@code spring.data.redis.sentinel.nodes} name (with {@code sentinel.username} and {@code sentinel.password} for
 * them); or, when {@code spring.data.redis.cluster.nodes} lists nodes, a Redis Cluster seeded by them (with the same
 * credentials and TLS); and {@code connect-timeout}. They are read with Boot's {@link Binder}, not Boot's Redis
 * property classes, which moved between Spring Boot 3 and 4. While disconnected, commands fail at once instead of
 * queueing, so no request waits for a Redis that is known to be down; Lettuce reconnects in the background, trying
 * at least every {@link #LONGEST_RECONNECT_DELAY}. If Redis cannot be reached at startup, the application starts
 * anyway and the failure policy answers until it can (one request per probe interval tries to connect).
 */
public final class RateLimitRedisConnection implements AutoCloseable {

    /** Reconnection attempts back off from 100ms to at most this, so limits are shared again soon after an outage. */
    static final Duration LONGEST_RECONNECT_DELAY = Duration.ofSeconds(5);

    /** The starter's own client and its resources, shut down on close; {@code null} for the application's. */
    private final @Nullable ClientResources ownResources;
    private final @Nullable AbstractRedisClient ownClient;
    private final Supplier<AbstractRedisClient> client;
    private volatile @Nullable StatefulConnection<String, String> connection;
    private final String address;

    private RateLimitRedisConnection(@Nullable ClientResources ownResources, @Nullable AbstractRedisClient ownClient,
            Supplier<AbstractRedisClient> client, String address) {
        this.ownResources = ownResources;
        this.ownClient = ownClient;
        this.client = client;
        this.address = address;
    }

    /**
     * A connection from the application's own Lettuce client, which it keeps: closing this closes only the
     * connection.
     *
     * @param client the application's client, asked for when the store first connects
     * @param address where it connects to, for the log, without credentials
     * @return the connection, not connected yet
     */
    static RateLimitRedisConnection shared(Supplier<AbstractRedisClient> client, String address) {
        return new RateLimitRedisConnection(null, null, client, address);
    }

    /**
     * Connects.
     *
     * @param settings the checked {@code ratelimit.redis.*} settings
     * @param environment the application's environment, for {@code spring.data.redis.*}
     * @return the connection
     * @throws IllegalStateException if Redis cannot be reached
     */
    static RateLimitRedisConnection open(RateLimitSettings.RedisSettings settings, Environment environment) {
        Binder binder = Binder.get(environment);
        SocketOptions.Builder socket = SocketOptions.builder();
        binder.bind("spring.data.redis.connect-timeout", Duration.class).ifBound(socket::connectTimeout);
        List<RedisURI> nodes = clusterNodes(settings, binder);
        // Lettuce's default backs off to 30s between reconnection attempts: too long to share limits again.
        ClientResources resources = ClientResources.builder()
                .reconnectDelay(Delay.exponential(Duration.ofMillis(100), LONGEST_RECONNECT_DELAY, 2,
                        TimeUnit.MILLISECONDS))
                .build();
        AbstractRedisClient client;
        String address;
        try {
            if (nodes.isEmpty()) {
                RedisURI uri = uri(settings, binder);
                RedisClient standalone = RedisClient.create(resources, uri);
                standalone.setOptions(ClientOptions.builder()
                        .autoReconnect(true)
                        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                        .socketOptions(socket.build())
                        .build());
                client = standalone;
                address = uri.getSocket() != null ? uri.getSocket()
                        : uri.getSentinelMasterId() != null ? "sentinel master " + uri.getSentinelMasterId() + " via "
                                + String.join(",", uri.getSentinels().stream()
                                        .map(n -> n.getHost() + ":" + n.getPort()).toList())
                        : uri.getHost() + ":" + uri.getPort();
            } else {
                RedisClusterClient cluster = RedisClusterClient.create(resources, nodes);
                cluster.setOptions(ClusterClientOptions.builder()
                        .autoReconnect(true)
                        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                        .socketOptions(socket.build())
                        // Slots that move (failover, resharding) are followed at once, not at the next poll.
                        .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                                .enableAllAdaptiveRefreshTriggers().build())
                        .build());
                client = cluster;
                address = "cluster " + String.join(",", nodes.stream().map(n -> n.getHost() + ":" + n.getPort())
                        .toList());
            }
        } catch (RuntimeException bad) {
            var unused = resources.shutdown(0, 2, TimeUnit.SECONDS); // in the background: the failure goes on
            throw bad;
        }
        // Not connected yet: the RedisLimits built over it connects, or starts unavailable (and says so) while
        // Redis is down, answering by ratelimit.redis.on-failure until a probe connects.
        AbstractRedisClient made = client;
        return new RateLimitRedisConnection(resources, made, () -> made, address);
    }

    /** The connection, made now if it is not yet; throws if Redis cannot be reached. */
    StatefulConnection<String, String> connect() {
        synchronized (this) {
            StatefulConnection<String, String> made = connection;
            if (made == null) {
                AbstractRedisClient redis = client.get();
                made = redis instanceof RedisClusterClient cluster ? cluster.connect(StringCodec.UTF8)
                        : ((RedisClient) redis).connect(StringCodec.UTF8);
                connection = made;
            }
            return made;
        }
    }

    /**
     * The master that the Sentinels of {@code spring.data.redis.sentinel.*} name, which Spring Boot prefers over
     * host and port: the application's Redis. {@code null} when no master is set.
     */
    private static RedisURI.@Nullable Builder sentinel(Binder binder) {
        String master = binder.bind("spring.data.redis.sentinel.master", String.class).orElse("").trim();
        if (master.isEmpty()) {
            return null;
        }
        List<String> nodes = binder.bind("spring.data.redis.sentinel.nodes", Bindable.listOf(String.class))
                .orElse(List.of());
        if (nodes.isEmpty()) {
            throw new RateLimitConfigurationException("spring.data.redis.sentinel.nodes", "",
                    "must list the Sentinels (host:port) of master " + master);
        }
        RedisURI.Builder builder = RedisURI.builder().withSentinelMasterId(master);
        for (String node : nodes) {
            builder.withSentinel(credentials(RedisURI.builder()
                    .withHost(host("spring.data.redis.sentinel.nodes", node))
                    .withPort(port("spring.data.redis.sentinel.nodes", node)), binder, "spring.data.redis.sentinel")
                    .build());
        }
        return builder;
    }

    /** The host of a {@code host:port} node; the property names the list it came from. */
    private static String host(String property, String node) {
        port(property, node);
        String trimmed = node.trim();
        return trimmed.substring(0, trimmed.lastIndexOf(':'));
    }

    /** The port of a {@code host:port} node, or a failure naming the property and the node. */
    private static int port(String property, String node) {
        String trimmed = node.trim();
        int colon = trimmed.lastIndexOf(':');
        int port;
        try {
            port = colon > 0 ? Integer.parseInt(trimmed.substring(colon + 1)) : -1;
        } catch (NumberFormatException notANumber) {
            port = -1;
        }
        if (port < 1 || port > 65535) {
            throw new RateLimitConfigurationException(property, node, "is not host:port");
        }
        return port;
    }

    /** The seeds of a Redis Cluster, when the application's settings name one and no URL says otherwise. */
    private static List<RedisURI> clusterNodes(RateLimitSettings.RedisSettings settings, Binder binder) {
        if (settings.url() != null || !binder.bind("spring.data.redis.url", String.class).orElse("").isBlank()
                || !binder.bind("spring.data.redis.sentinel.master", String.class).orElse("").isBlank()) {
            return List.of(); // Boot, too, prefers Sentinel settings to a cluster's
        }
        List<String> nodes = binder.bind("spring.data.redis.cluster.nodes", Bindable.listOf(String.class))
                .orElse(List.of());
        List<RedisURI> seeds = new ArrayList<>(nodes.size());
        for (String node : nodes) {
            seeds.add(credentials(RedisURI.builder().withHost(host("spring.data.redis.cluster.nodes", node))
                    .withPort(port("spring.data.redis.cluster.nodes", node)), binder)
                    .withSsl(binder.bind("spring.data.redis.ssl.enabled", Boolean.class).orElse(false))
                    .withTimeout(settings.commandTimeout())
                    .build());
        }
        return seeds;
    }

    private static RedisURI.Builder credentials(RedisURI.Builder builder, Binder binder) {
        return credentials(builder, binder, "spring.data.redis");
    }

    /** {@code prefix.username} and {@code prefix.password}: a data node's, or (under {@code .sentinel}) a Sentinel's. */
    private static RedisURI.Builder credentials(RedisURI.Builder builder, Binder binder, String prefix) {
        @Nullable String username = binder.bind(prefix + ".username", String.class).orElse(null);
        @Nullable String password = binder.bind(prefix + ".password", String.class).orElse(null);
        if (password != null && username != null) {
            builder.withAuthentication(username, password.toCharArray());
        } else if (password != null) {
            builder.withPassword(password.toCharArray());
        }
        return builder;
    }

    private static RedisURI uri(RateLimitSettings.RedisSettings settings, Binder binder) {
        RedisURI uri;
        if (settings.url() != null) {
            uri = parse("ratelimit.redis.url", settings.url());
        } else {
            String url = binder.bind("spring.data.redis.url", String.class).orElse(null);
            RedisURI.Builder sentinel = sentinel(binder);
            if (sentinel != null) {
                uri = credentials(sentinel, binder)
                        .withDatabase(binder.bind("spring.data.redis.database", Integer.class).orElse(0))
                        .withSsl(binder.bind("spring.data.redis.ssl.enabled", Boolean.class).orElse(false))
                        .build();
            } else if (url != null && !url.isBlank()) {
                uri = parse("spring.data.redis.url", url);
            } else {
                RedisURI.Builder builder = RedisURI.builder()
                        .withHost(binder.bind("spring.data.redis.host", String.class).orElse("localhost"))
                        .withPort(binder.bind("spring.data.redis.port", Integer.class).orElse(6379))
                        .withDatabase(binder.bind("spring.data.redis.database", Integer.class).orElse(0))
                        .withSsl(binder.bind("spring.data.redis.ssl.enabled", Boolean.class).orElse(false));
                uri = credentials(builder, binder).build();
            }
        }
        // Lettuce's own timeout only bounds what RedisLimits does not wait for itself.
        uri.setTimeout(settings.commandTimeout());
        return uri;
    }

    private static RedisURI parse(String property, String url) {
        try {
            return RedisURI.create(url.trim());
        } catch (IllegalArgumentException bad) {
            throw new RateLimitConfigurationException(property, RateLimitSettings.withoutCredentials(url),
                    "is not a Redis URI: " + String.valueOf(bad.getMessage()).replace(url.trim(), "the URL"));
        }
    }

    /** The connection, to one server or to a cluster; {@code null} while Redis has not been reached yet. */
    public @Nullable StatefulConnection<String, String> connection() {
        return connection;
    }

    /** A builder of {@code RedisLimits} over the connection, which connects when first needed if not yet. */
    RedisLimits.Builder limitsBuilder() {
        return RedisLimits.lazyBuilder(this::connect);
    }

    /** Where it connects to, without credentials: {@code host:port}. */
    public String address() {
        return address;
    }

    /** Closes the connection, and shuts the client down if it is the starter's own. */
    @Override
    public void close() {
        try {
            StatefulConnection<String, String> made = connection;
            if (made != null) {
                made.close();
            }
        } finally {
            if (ownClient != null) {
                ownClient.shutdown(0, 2, TimeUnit.SECONDS);
            }
            if (ownResources != null) {
                var unused = ownResources.shutdown(0, 2, TimeUnit.SECONDS); // in the background
            }
        }
    }
}
