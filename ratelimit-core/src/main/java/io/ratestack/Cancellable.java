package io.ratestack;

/** A task given to a {@link Scheduler} that can be withdrawn. */
@FunctionalInterface
public interface Cancellable {

    /** Withdraws the task if it has not started; does nothing if it has run, started or was withdrawn already. */
    void cancel();
}
