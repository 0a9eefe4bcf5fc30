package io.ratestack;

/**
 * What the engine's permits share: the use's cost, and the three ways to end it as one settlement, {@code close()}
 * at that cost, {@code close(actualCost)} at another, {@code cancel()} at zero. The subclass makes only the first
 * ending take effect.
 */
abstract class SettledPermit implements Permit {

    /** What the use took from each part it holds. */
    final int cost;

    SettledPermit(int cost) {
        this.cost = cost;
    }

    @Override
    public final void close() {
        settle(cost);
    }

    @Override
    public final void close(int actualCost) {
        settle(Checks.nonNegative("actualCost", actualCost));
    }

    @Override
    public final void cancel() {
        settle(0);
    }

    /** Ends the use at {@code actual} (zero: it never counted), if it has not ended yet. */
    abstract void settle(int actual);
}
