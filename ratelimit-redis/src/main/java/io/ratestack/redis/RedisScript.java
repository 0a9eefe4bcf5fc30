package io.ratestack.redis;

import io.lettuce.core.RedisCommandInterruptedException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A script run by its digest. A server that does not know it (new, restarted, flushed, or another node of a cluster)
 * gets its text once by {@code EVAL}, which runs it on the node of its keys and caches it there. Every call waits at
 * most the command timeout; {@link #runAsync} does not wait, and its answer is given up on at the command timeout.
 */
final class RedisScript {

    private final String text;
    private final String sha;
    private final boolean deliverLate;
    private final Supplier<RedisScriptingAsyncCommands<String, String>> redis;
    private final Duration commandTimeout;

    /**
     * @param text the script
     * @param deliverLate whether a call given up on is still delivered when Redis gets to it (an end of use, which
     *     only frees or counts) rather than cancelled (an acquire, which would take a slot no one holds)
     * @param redis the commands it is sent with
     * @param commandTimeout how long a call waits for Redis
     */
    RedisScript(String text, boolean deliverLate, Supplier<RedisScriptingAsyncCommands<String, String>> redis,
            Duration commandTimeout) {
        this.text = text;
        this.sha = sha1(text);
        this.deliverLate = deliverLate;
        this.redis = redis;
        this.commandTimeout = commandTimeout;
    }

    List<Long> run(String[] keys, String[] args) {
        return run(keys, args, commandTimeout);
    }

    List<Long> run(String[] keys, String[] args, Duration timeout) {
        try {
            return await(redis.get().evalsha(sha, ScriptOutputType.MULTI, keys, args), !deliverLate, timeout);
        } catch (RedisNoScriptException unknown) {
            return await(redis.get().eval(text, ScriptOutputType.MULTI, keys, args), !deliverLate, timeout);
        }
    }

    /**
     * Sends the script without waiting for it: by its digest, then by its text if the server answers that it does not
     * know it (or at once by its text when asked). The returned future completes with the answer, or with the
     * {@link RedisException} Redis answered, or with a {@link RedisCommandTimeoutException} past the command timeout;
     * a command given up on is not cancelled, and runs when Redis gets to it.
     *
     * @param byText whether to send the text at once ({@code EVAL}), for a call that must not wait for a
     *     {@code NOSCRIPT} answer to be sent again
     * @param settled run once no command of this call is left in the connection (answered, failed or dropped with
     *     the connection), given up on or not; on Lettuce's thread, so it must not block
     * @throws RedisException if the command cannot be sent (no connection yet); {@code settled} is not run then
     */
    CompletableFuture<List<Long>> runAsync(String[] keys, String[] args, boolean byText, Runnable settled) {
        RedisScriptingAsyncCommands<String, String> commands = redis.get();
        CompletableFuture<List<Long>> answer = new CompletableFuture<>();
        RedisFuture<List<Long>> sent = byText ? commands.eval(text, ScriptOutputType.MULTI, keys, args)
                : commands.evalsha(sha, ScriptOutputType.MULTI, keys, args);
        sent.whenComplete((reply, failure) -> {
            if (failure != null && !byText && unwrap(failure) instanceof RedisNoScriptException) {
                RedisFuture<List<Long>> again;
                try {
                    again = commands.eval(text, ScriptOutputType.MULTI, keys, args);
                } catch (RuntimeException notSent) {
                    answer(answer, settled, null, notSent);
                    return;
                }
                again.whenComplete((reply2, failure2) -> answer(answer, settled, reply2, failure2));
            } else {
                answer(answer, settled, reply, failure);
            }
        });
        return answer.orTimeout(commandTimeout.toNanos(), TimeUnit.NANOSECONDS).exceptionallyCompose(failure ->
                CompletableFuture.failedFuture(unwrap(failure) instanceof TimeoutException
                        ? timedOut(commandTimeout) : unwrap(failure)));
    }

    /** Completes a {@link #runAsync} call once its last command left the connection. */
    private static void answer(CompletableFuture<List<Long>> answer, Runnable settled, @Nullable List<Long> reply,
            @Nullable Throwable failure) {
        settled.run();
        if (failure == null) {
            answer.complete(reply);
        } else {
            answer.completeExceptionally(redisFailure(failure));
        }
    }

    /** The failure of a command that Redis did not answer within {@code timeout}. */
    static RedisCommandTimeoutException timedOut(Duration timeout) {
        return new RedisCommandTimeoutException("Redis did not answer within "
                + TimeUnit.NANOSECONDS.toMillis(timeout.toNanos()) + "ms");
    }

    /** A failure as Redis's: the exception itself, or a {@link RedisException} around it. */
    static RedisException redisFailure(Throwable failure) {
        Throwable cause = unwrap(failure);
        if (cause instanceof RedisException redisError) {
            return redisError;
        }
        if (cause instanceof CancellationException) {
            return new RedisException("Redis command cancelled (the connection closed or was reset)", cause);
        }
        return new RedisException(cause);
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** Sends {@code SCRIPT LOAD}: to every node of a cluster, which caches the script under its digest. */
    RedisFuture<String> load() {
        return redis.get().scriptLoad(text);
    }

    /** The text of a script next to this class in the jar. */
    static String load(String name) {
        try (InputStream in = RedisScript.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("script " + name + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits for a command no longer than {@code timeout}; a command given up on is cancelled if asked. */
    static <T> T await(RedisFuture<T> command, boolean cancelWhenGivenUp, Duration timeout) {
        try {
            return command.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            if (cancelWhenGivenUp) {
                command.cancel(false);
            }
            throw timedOut(timeout);
        } catch (InterruptedException e) {
            if (cancelWhenGivenUp) {
                command.cancel(false);
            }
            Thread.currentThread().interrupt();
            throw new RedisCommandInterruptedException(e);
        } catch (CancellationException | ExecutionException e) {
            throw redisFailure(e);
        }
    }

    private static String sha1(String text) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-1", e);
        }
    }
}
