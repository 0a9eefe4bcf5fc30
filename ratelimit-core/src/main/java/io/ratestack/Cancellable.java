package io.ratestack;

/** A scheduled task that can be withdrawn. */
@FunctionalInterface
interface Cancellable {
    void cancel();
}
