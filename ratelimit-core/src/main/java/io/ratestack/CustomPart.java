package io.ratestack;

/**
 * A {@link Part} whose counts are a user's {@link LimitAlgorithm}: the engine's questions answered by it, and
 * the events it raises found by comparing its room before and after (a release or an advance that makes more fit
 * is a growth).
 */
final class CustomPart extends Part {

    private static final long serialVersionUID = 1L;

    private final LimitAlgorithm algorithm;
    private final Clock clock;
    /** The time of the operation under way, as the last advance saw it; guarded by the lock. */
    private long now;

    CustomPart(LimitAlgorithm algorithm, Clock clock) {
        this.algorithm = algorithm;
        this.clock = clock;
        this.now = clock.nanoTime();
    }

    @Override
    Clock clock() {
        return clock;
    }

    @Override
    void advance(long time) {
        if (time - now > 0) {
            now = time;
        }
        int before = algorithm.room();
        algorithm.advance(now);
        if (algorithm.room() > before) {
            mark(PartSupport.GREW | PartSupport.CHANGED);
        }
    }

    @Override
    boolean fits(int cost) {
        return cost <= algorithm.room();
    }

    @Override
    void take(int cost) {
        algorithm.take(cost, now);
    }

    @Override
    void untake(int cost) {
        algorithm.untake(cost);
    }

    @Override
    void release(int cost, int actual, long time) {
        int before = algorithm.room();
        algorithm.release(cost, actual, now);
        mark(algorithm.room() > before ? PartSupport.GREW | PartSupport.CHANGED : PartSupport.CHANGED);
    }

    @Override
    int room() {
        return Math.max(0, algorithm.room());
    }

    @Override
    int maxCost() {
        return algorithm.maxCost();
    }

    @Override
    long retryAfter(long time, int cost) {
        return Math.max(0L, algorithm.retryAfterNanos(now, cost));
    }

    @Override
    long growsIn(long time, int wanted) {
        long grows = algorithm.growsInNanos(now, wanted);
        return grows == LimitAlgorithm.NO_GROWTH ? NO_GROWTH : Math.max(1L, grows);
    }

    /**
     * Until one more unit fits by time, or the retry-after of one more when only a release frees it; until the reset
     * when it holds all it can.
     */
    @Override
    long nextFreeIn(long time) {
        int units = room() + 1;
        if (units > maxCost()) {
            return Math.max(1L, algorithm.resetInNanos(now));
        }
        long grows = algorithm.growsInNanos(now, units);
        return Math.max(1L, grows == LimitAlgorithm.NO_GROWTH ? algorithm.retryAfterNanos(now, units) : grows);
    }

    @Override
    long resetIn(long time) {
        return Math.max(0L, algorithm.resetInNanos(now));
    }

    @Override
    public String toString() {
        return "custom(" + algorithm + ")";
    }
}
