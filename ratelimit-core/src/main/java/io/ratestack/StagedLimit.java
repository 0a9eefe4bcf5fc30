package io.ratestack;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An all- or any-limiter over parts of which some are {@linkplain RemoteLimiter remote}: their slots cannot be taken
 * under one lock, so they are taken one part after another. An all-limiter tries its in-memory parts first (cheap,
 * and a refusal there spares the round trip), then the remote ones in the given order, and gives back (cancels) what
 * it took as soon as one part refuses: nothing is kept, though another thread may for that moment see a slot taken
 * that is then freed, which can only refuse it, never over-admit. An any-limiter tries its parts in the given order
 * and holds the first that admits.
 */
final class StagedLimit implements RemoteLimit {

    private final RateLimiter[] parts;
    private final boolean all;
    /** Whether the last refusal came from an in-memory part: then a change of those parts may admit. */
    private volatile boolean lastRefusalLocal;

    private StagedLimit(RateLimiter[] parts, boolean all) {
        this.parts = parts;
        this.all = all;
    }

    /**
     * An all-limiter's parts: its in-memory parts as one in-memory all-limiter, taken first and at once (so a refusal
     * there takes and gives back nothing, and tells no one), then the remote ones in the given order.
     */
    static StagedLimit all(RateLimiter[] parts) {
        List<AbstractLimiter> local = new ArrayList<>(parts.length);
        List<RateLimiter> ordered = new ArrayList<>(parts.length);
        for (RateLimiter part : parts) {
            if (part instanceof AbstractLimiter inMemory) {
                local.add(inMemory);
            }
        }
        if (local.size() == 1) {
            ordered.add(local.get(0));
        } else if (local.size() > 1) {
            ordered.add(new AllLimiter(local.toArray(AbstractLimiter[]::new), null));
        }
        for (RateLimiter part : parts) {
            if (!(part instanceof AbstractLimiter)) {
                ordered.add(part);
            }
        }
        return new StagedLimit(ordered.toArray(RateLimiter[]::new), true);
    }

    static StagedLimit any(RateLimiter[] parts) {
        return new StagedLimit(parts.clone(), false);
    }

    @Override
    public AcquireResult tryAcquire(int cost) {
        return all ? tryAll(cost) : tryAny(cost);
    }

    private AcquireResult tryAll(int cost) {
        Permit[] taken = new Permit[parts.length];
        int i = 0;
        try {
            for (; i < parts.length; i++) {
                AcquireResult result = parts[i].tryAcquire(cost);
                if (result instanceof Permit permit) {
                    taken[i] = permit;
                    continue;
                }
                lastRefusalLocal = parts[i] instanceof AbstractLimiter;
                giveBack(taken, i);
                return result;
            }
        } catch (RuntimeException | Error e) {
            giveBack(taken, i); // a part broke its promise not to throw: keep nothing of this use
            throw e;
        }
        return new PartsPermit(taken);
    }

    private static void giveBack(Permit[] taken, int count) {
        for (int j = count - 1; j >= 0; j--) {
            taken[j].cancel();
        }
    }

    private AcquireResult tryAny(int cost) {
        long retryAfter = Refusal.NEVER;
        boolean local = false;
        for (RateLimiter part : parts) {
            AcquireResult result = part.tryAcquire(cost);
            if (result instanceof Permit) {
                return result;
            }
            retryAfter = Math.min(retryAfter, ((Refusal) result).retryAfterNanos());
            local |= part instanceof AbstractLimiter;
        }
        lastRefusalLocal = local;
        return new Refusal(retryAfter, 0);
    }

    boolean lastRefusalWasLocal() {
        return lastRefusalLocal;
    }

    /** Whether this composite could still admit: for all, no part is closed; for any, some part is open. */
    boolean canEverAdmit() {
        for (RateLimiter part : parts) {
            boolean open = part instanceof AbstractLimiter local
                    ? !local.closed && local.canEverAdmit() : !((RemoteLimiter) part).isClosed();
            if (all && !open) {
                return false;
            }
            if (!all && open) {
                return true;
            }
        }
        return all;
    }

    /** Tells {@code observer} of every change of every part: uses ended, windows ended, parts closed. */
    void watch(Runnable observer) {
        for (RateLimiter part : parts) {
            if (part instanceof AbstractLimiter local) {
                for (LocalPart leaf : local.leaves()) {
                    leaf.addObserver(observer);
                }
            } else {
                ((RemoteLimiter) part).addObserver(observer);
            }
        }
    }

    void unwatch(Runnable observer) {
        for (RateLimiter part : parts) {
            if (part instanceof AbstractLimiter local) {
                for (LocalPart leaf : local.leaves()) {
                    leaf.removeObserver(observer);
                }
            } else {
                ((RemoteLimiter) part).removeObserver(observer);
            }
        }
    }

    @Override
    public State state() {
        long remaining = all ? Integer.MAX_VALUE : 0;
        long resetIn = all ? 0 : Long.MAX_VALUE;
        for (RateLimiter part : parts) {
            // A remote part answers both from one read of its store.
            State read = part instanceof RemoteLimiter remote ? remote.state()
                    : new State(part.remaining(), part.resetInNanos());
            if (all) {
                remaining = Math.min(remaining, read.remaining());
                resetIn = Math.max(resetIn, read.resetInNanos());
            } else {
                remaining += read.remaining();
                resetIn = Math.min(resetIn, read.resetInNanos());
            }
        }
        return new State((int) Math.min(remaining, Integer.MAX_VALUE), resetIn == Long.MAX_VALUE ? 0 : resetIn);
    }

    /** Pauses every part, as pausing an in-memory composite pauses every limiter in it. */
    void pauseParts(Duration duration) {
        for (RateLimiter part : parts) {
            part.pause(duration);
        }
    }

    /** The slots of every part of one use; the first of close and cancel wins. */
    private static final class PartsPermit implements Permit {
        private final Permit[] taken;
        private final AtomicBoolean ended = new AtomicBoolean();

        PartsPermit(Permit[] taken) {
            this.taken = taken;
        }

        @Override
        public void close() {
            if (ended.compareAndSet(false, true)) {
                for (Permit permit : taken) {
                    permit.close();
                }
            }
        }

        @Override
        public void close(int actualCost) {
            Nanos.nonNegative("actualCost", actualCost);
            if (ended.compareAndSet(false, true)) {
                for (Permit permit : taken) {
                    permit.close(actualCost);
                }
            }
        }

        @Override
        public void cancel() {
            if (ended.compareAndSet(false, true)) {
                for (Permit permit : taken) {
                    permit.cancel();
                }
            }
        }
    }
}
