package io.ratestack.redis;

import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The connection of {@link RedisLimits#lazyBuilder}, made on first use. Calls that find another connecting fail at
 * once ({@link StillConnecting}); once one has failed, Redis is known to be unavailable and only probes (one per
 * interval) come here again.
 */
final class RedisConnector implements Supplier<RedisScriptingAsyncCommands<String, String>> {

    /** Thrown to a call that finds another connecting: answered by the policy, not a failure of Redis. */
    static final class StillConnecting extends RedisException {
        private static final long serialVersionUID = 1L;

        StillConnecting() {
            super("still connecting to Redis");
        }
    }

    private final Supplier<? extends StatefulConnection<String, String>> connect;
    private final ReentrantLock connecting = new ReentrantLock();
    private volatile @Nullable RedisScriptingAsyncCommands<String, String> commands;

    RedisConnector(Supplier<? extends StatefulConnection<String, String>> connect) {
        this.connect = connect;
    }

    @Override
    public RedisScriptingAsyncCommands<String, String> get() {
        return connected();
    }

    /**
     * Connects now, unless connected.
     *
     * @throws RedisException if Redis cannot be reached, or another call is connecting ({@link StillConnecting})
     */
    void connect() {
        connected();
    }

    @SuppressWarnings("unchecked")
    private RedisScriptingAsyncCommands<String, String> connected() {
        RedisScriptingAsyncCommands<String, String> made = commands;
        if (made != null) {
            return made;
        }
        if (!connecting.tryLock()) {
            throw new StillConnecting();
        }
        try {
            made = commands;
            if (made == null) {
                StatefulConnection<String, String> connection = connect.get();
                made = connection instanceof StatefulRedisClusterConnection<?, ?> cluster
                        ? ((StatefulRedisClusterConnection<String, String>) cluster).async()
                        : ((StatefulRedisConnection<String, String>) connection).async();
                commands = made;
            }
            return made;
        } catch (RedisException failed) {
            throw failed;
        } catch (RuntimeException failed) {
            throw new RedisConnectionException("could not connect to Redis: " + failed.getMessage(), failed);
        } finally {
            connecting.unlock();
        }
    }
}
