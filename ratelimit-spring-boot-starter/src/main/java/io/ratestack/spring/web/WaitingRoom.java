package io.ratestack.spring.web;

import java.util.Comparator;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * The requests of one filter that are waiting for room, at most a given number: a request that finds them all taken
 * takes the seat of the newest of the lowest priority if its own priority is higher (that one is refused at once,
 * through its {@link Seat#displaced} signal), else it does not wait.
 */
final class WaitingRoom {

    /** A waiting request's place. */
    static final class Seat {
        final int priority;
        final long arrival;
        /** Completed when a request of higher priority takes this seat: the request stops waiting. */
        final CompletableFuture<@Nullable Void> displaced = new CompletableFuture<>();

        Seat(int priority, long arrival) {
            this.priority = priority;
            this.arrival = arrival;
        }
    }

    /** The first seat is the one to give up: lowest priority, then newest. */
    private static final Comparator<Seat> GIVEN_UP_FIRST = Comparator.<Seat>comparingInt(seat -> seat.priority)
            .thenComparing(Comparator.<Seat>comparingLong(seat -> seat.arrival).reversed());

    private final TreeSet<Seat> seats = new TreeSet<>(GIVEN_UP_FIRST);
    private long arrivals;

    /**
     * A seat for a request, if there is one.
     *
     * @param priority the request's priority, higher first
     * @param capacity how many may wait at once
     * @return its seat, or {@code null} if it may not wait
     */
    @Nullable Seat enter(int priority, int capacity) {
        Seat displaced = null;
        Seat seat;
        synchronized (this) {
            if (seats.size() >= capacity) {
                Seat lowest = seats.isEmpty() ? null : seats.first();
                if (lowest == null || lowest.priority >= priority) {
                    return null;
                }
                seats.pollFirst();
                displaced = lowest;
            }
            seat = new Seat(priority, arrivals++);
            seats.add(seat);
        }
        if (displaced != null) {
            displaced.displaced.complete(null);
        }
        return seat;
    }

    /** Gives a seat back, once its request stops waiting. */
    synchronized void leave(Seat seat) {
        seats.remove(seat);
    }

    /** How many requests are waiting. */
    synchronized int size() {
        return seats.size();
    }
}
