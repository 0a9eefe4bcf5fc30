package io.ratestack;

import java.time.Duration;

/** A user's own algorithm, as docs/core.md shows it: {@code limit} uses per window, counting from its first use. */
// tag::fixedWindow[]
final class FixedWindow implements LimitAlgorithm {
    private final int limit;
    private final long windowNanos;
    private int used;
    private long end;
    private boolean running;

    FixedWindow(int limit, Duration window) {
        this.limit = limit;
        this.windowNanos = window.toNanos();
    }

    @Override
    public void advance(long now) {
        if (running && now - end >= 0) {
            running = false;
            used = 0;
        }
    }

    @Override
    public int room() {
        return Math.max(0, limit - used);
    }

    @Override
    public int maxCost() {
        return limit;
    }

    @Override
    public void take(int cost, long now) {
        if (!running) {
            running = true;
            end = now + windowNanos;
        }
        used += cost;
    }

    @Override
    public void untake(int cost) {
        used -= cost;
    }

    @Override
    public void release(int cost, int actual, long now) {
        used = (int) Math.max(0L, Math.min(Integer.MAX_VALUE, (long) used + actual - cost));
    }

    @Override
    public long retryAfterNanos(long now, int cost) {
        return room() >= cost ? 0 : running ? end - now : windowNanos;
    }

    @Override
    public long growsInNanos(long now, int units) {
        return running && used > 0 ? end - now : NO_GROWTH;
    }

    @Override
    public long resetInNanos(long now) {
        return running ? end - now : 0;
    }

    @Override
    public String toString() {
        return limit + " per fixed " + Duration.ofNanos(windowNanos);
    }
}
// end::fixedWindow[]
