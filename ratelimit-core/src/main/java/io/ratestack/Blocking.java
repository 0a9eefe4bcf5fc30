package io.ratestack;

import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/** How a blocking acquire waits on the future of an asynchronous one. */
final class Blocking {

    private Blocking() {
    }

    /**
     * Waits for {@code future}. On interrupt it withdraws the waiter, gives back a permit granted at the same moment,
     * keeps the interrupt status and throws.
     *
     * @param limiter named in messages
     */
    static Permit await(CompletableFuture<Permit> future, RateLimiter limiter) {
        try {
            return future.get();
        } catch (InterruptedException interrupted) {
            if (!future.cancel(false) && !future.isCompletedExceptionally()) {
                future.join().cancel(); // admitted at the same moment: give the use back
            }
            Thread.currentThread().interrupt();
            throw new RateLimitedException("interrupted while waiting for " + limiter, interrupted);
        } catch (ExecutionException failed) {
            Throwable cause = Objects.requireNonNullElse(failed.getCause(), failed); // a future's failure has a cause
            throw new RateLimitedException(cause.getMessage(), cause);
        } catch (CancellationException cancelled) {
            throw new RateLimitedException("the wait for " + limiter + " was cancelled", cancelled);
        }
    }

    /**
     * Rethrows {@code failure} as it is, checked or not. Declared to return an exception so that a caller can write
     * {@code throw sneaky(failure)}; it never returns.
     */
    @SuppressWarnings("unchecked")
    static <E extends Throwable> RuntimeException sneaky(Throwable failure) throws E {
        throw (E) failure;
    }
}
