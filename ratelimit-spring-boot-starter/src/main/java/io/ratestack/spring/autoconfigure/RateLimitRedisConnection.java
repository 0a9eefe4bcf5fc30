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
import io.ratestack.redis.RedisLimits;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.ratestack.spring.web.RateLimitConfigurationException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * The Lettuce client and connection the starter opens for the Redis store, and closes when the application stops.
 * Only made when {@code ratelimit.store=redis} and the application has no {@code RedisLimits} bean of its own.
 *
 * <p>The connection is {@code ratelimit.redis.url} when set, else the application's {@code spring.data.redis.*}:
 * {@code url}, or {@code host}, {@code port}, {@code username}, {@code password}, {@code database} and
 * {@code ssl.enabled}; or, when {@code spring.data.redis.cluster.nodes} lists nodes, a Redis Cluster seeded by them
 * (with the same credentials and TLS); and {@code connect-timeout}. They are read with Boot's {@link Binder}, not
 * Boot's Redis
 * property classes, which moved between Spring Boot 3 and 4. While disconnected, commands fail at once instead of
 * queueing, so no request waits for a Redis that is known to be down; Lettuce reconnects in the background, trying
 * at least every {@link #LONGEST_RECONNECT_DELAY}. If Redis cannot be reached at startup, the application starts
 * anyway and the failure policy answers until it can (one request per probe interval tries to connect).
 */
public final class RateLimitRedisConnection implements AutoCloseable {

    /** Reconnection attempts back off from 100ms to at most this, so limits are shared again soon after an outage. */
    static final Duration LONGEST_RECONNECT_DELAY = Duration.ofSeconds(5);

    private final ClientResources resources;
    private final AbstractRedisClient client;
    private volatile @Nullable StatefulConnection<String, String> connection;
    private final String address;

    private RateLimitRedisConnection(ClientResources resources, AbstractRedisClient client, String address) {
        this.resources = resources;
        this.client = client;
        this.address = address;
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
        if (settings.url() == null) {
            refuseSentinel(binder);
        }
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
                address = uri.getSocket() != null ? uri.getSocket() : uri.getHost() + ":" + uri.getPort();
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
            resources.shutdown(0, 2, TimeUnit.SECONDS);
            throw bad;
        }
        // Not connected yet: the RedisLimits built over it connects, or starts unavailable (and says so) while
        // Redis is down, answering by ratelimit.redis.on-failure until a probe connects.
        return new RateLimitRedisConnection(resources, client, address);
    }

    /** The connection, made now if it is not yet; throws if Redis cannot be reached. */
    StatefulConnection<String, String> connect() {
        synchronized (this) {
            StatefulConnection<String, String> made = connection;
            if (made == null) {
                made = client instanceof RedisClusterClient cluster ? cluster.connect() : ((RedisClient) client).connect();
                connection = made;
            }
            return made;
        }
    }

    /**
     * Spring Boot prefers Sentinel settings over every other: ignoring them would keep the limits in another server
     * than the application's.
     */
    private static void refuseSentinel(Binder binder) {
        String master = binder.bind("spring.data.redis.sentinel.master", String.class).orElse(null);
        if (master != null && !master.isBlank()) {
            throw new RateLimitConfigurationException("spring.data.redis.sentinel.master", master,
                    "Redis Sentinel settings are not read by the rate-limit store: set ratelimit.redis.url"
                            + " (redis-sentinel://host:26379#" + master + ") or declare a RedisLimits bean");
        }
    }

    /** The seeds of a Redis Cluster, when the application's settings name one and no URL says otherwise. */
    private static List<RedisURI> clusterNodes(RateLimitSettings.RedisSettings settings, Binder binder) {
        if (settings.url() != null || !binder.bind("spring.data.redis.url", String.class).orElse("").isBlank()) {
            return List.of();
        }
        List<String> nodes = binder.bind("spring.data.redis.cluster.nodes", Bindable.listOf(String.class))
                .orElse(List.of());
        List<RedisURI> seeds = new ArrayList<>(nodes.size());
        for (String node : nodes) {
            String trimmed = node.trim();
            int colon = trimmed.lastIndexOf(':');
            int port;
            try {
                port = colon > 0 ? Integer.parseInt(trimmed.substring(colon + 1)) : -1;
            } catch (NumberFormatException notANumber) {
                port = -1;
            }
            if (port < 1 || port > 65535) {
                throw new RateLimitConfigurationException("spring.data.redis.cluster.nodes", node,
                        "is not host:port");
            }
            seeds.add(credentials(RedisURI.builder().withHost(trimmed.substring(0, colon)).withPort(port), binder)
                    .withSsl(binder.bind("spring.data.redis.ssl.enabled", Boolean.class).orElse(false))
                    .withTimeout(settings.commandTimeout())
                    .build());
        }
        return seeds;
    }

    private static RedisURI.Builder credentials(RedisURI.Builder builder, Binder binder) {
        @Nullable String username = binder.bind("spring.data.redis.username", String.class).orElse(null);
        @Nullable String password = binder.bind("spring.data.redis.password", String.class).orElse(null);
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
            if (url != null && !url.isBlank()) {
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
                    "is not a Redis URI: " + bad.getMessage().replace(url.trim(), "the URL"));
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

    /** Closes the connection and shuts the client down. */
    @Override
    public void close() {
        try {
            StatefulConnection<String, String> made = connection;
            if (made != null) {
                made.close();
            }
        } finally {
            client.shutdown(0, 2, TimeUnit.SECONDS);
            resources.shutdown(0, 2, TimeUnit.SECONDS);
        }
    }
}
