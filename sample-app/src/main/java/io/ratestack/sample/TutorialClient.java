package io.ratestack.sample;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntConsumer;
import org.springframework.web.client.RestClient;

/**
 * slowstack's tutorial client: a burst of concurrent requests to random paths of the tutorial server, counted by
 * status. Paced or not depends only on the {@link RestClient} it is given.
 */
public final class TutorialClient {

    /** The tutorial server's paths. */
    public static final List<String> PATHS = List.of("/test", "/example", "/error");

    private final RestClient client;

    /**
     * @param client the client that sends, with the server's base URL
     */
    public TutorialClient(RestClient client) {
        this.client = client;
    }

    /**
     * Sends {@code requests} requests at once, each to a random path, and counts the answers by status.
     *
     * @param requests how many
     * @return the count of each status, by status
     * @throws Exception if a request fails without a status (the server is down, say)
     */
    public Map<Integer, Integer> burst(int requests) throws Exception {
        return burst(requests, status -> { });
    }

    /**
     * Like {@link #burst(int)}, telling {@code onEach} each status as it arrives.
     *
     * @param requests how many
     * @param onEach told each status, from the thread that got it
     * @return the count of each status, by status
     * @throws Exception if a request fails without a status
     */
    public Map<Integer, Integer> burst(int requests, IntConsumer onEach) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(requests);
        try {
            List<Future<Integer>> statuses = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                String path = PATHS.get(ThreadLocalRandom.current().nextInt(PATHS.size()));
                statuses.add(pool.submit(() -> {
                    int status = client.get().uri(path).retrieve()
                            .onStatus(code -> true, (request, response) -> { })
                            .toBodilessEntity().getStatusCode().value();
                    onEach.accept(status);
                    return status;
                }));
            }
            Map<Integer, Integer> counts = new TreeMap<>();
            for (Future<Integer> status : statuses) {
                counts.merge(status.get(), 1, Integer::sum);
            }
            return counts;
        } finally {
            pool.shutdownNow();
        }
    }

    /** The counts as the tutorial prints them: {@code 200 -> 9}, one status a line. */
    public static String format(Map<Integer, Integer> counts) {
        StringBuilder text = new StringBuilder();
        counts.forEach((status, count) -> text.append(status).append(" -> ").append(count).append('\n'));
        return text.toString();
    }
}
