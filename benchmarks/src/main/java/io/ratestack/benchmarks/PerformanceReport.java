package io.ratestack.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Writes the tables of {@code docs/performance.md} from the files in {@code benchmarks/results}: each table goes
 * between the markers {@code <!-- report:NAME -->} and {@code <!-- /report:NAME -->} of the page, the prose around
 * them is left as it is. A table whose results file is missing is left as it was.
 *
 * <ul>
 *   <li>{@code jmh}: one limiter, every algorithm and peer, from {@code jmh-1-thread.csv}, {@code jmh-2-threads.csv}
 *       and {@code jmh-4-threads.csv} ({@code run-jmh.sh});
 *   <li>{@code ratios}: each algorithm against the peer it is measured against, from the same files;
 *   <li>{@code http}: {@code http.csv} ({@code http/run.sh});
 *   <li>{@code redis}: {@code redis-1-thread.csv}, {@code redis-4-threads.csv}, {@code redis-16-threads.csv} and
 *       {@code redis-direct.csv} ({@code run-redis.sh});
 *   <li>{@code memory}: {@code memory-per-client.txt} and {@code store.csv} ({@code run-jmh.sh}).
 * </ul>
 *
 * <p>Run from the root of the clone: {@code java -cp benchmarks/target/benchmarks.jar
 * io.ratestack.benchmarks.PerformanceReport [results-dir] [page]}.
 */
public final class PerformanceReport {

    private static final String LIMITER = "io.ratestack.benchmarks.LimiterBenchmark.";
    private static final String REDIS = "io.ratestack.benchmarks.RedisStoreBenchmark.";

    /** This project's algorithms as LimiterBenchmark names them, and as the page names them. */
    private static final Map<String, String> ALGORITHMS = new LinkedHashMap<>();
    /** The peers as LimiterBenchmark names them, and as the page names them. */
    private static final Map<String, String> PEERS = new LinkedHashMap<>();
    /** The peers, named short. */
    private static final Map<String, String> SHORT = Map.of("bucket4jLockFree", "Bucket4j lock-free",
            "bucket4jSynchronized", "Bucket4j synchronized", "resilience4j", "Resilience4j", "guava", "Guava");

    static {
        ALGORITHMS.put("timesPer", "ratestack times-per");
        ALGORITHMS.put("tokenBucket", "ratestack token bucket");
        ALGORITHMS.put("gcra", "ratestack GCRA");
        ALGORITHMS.put("slidingWindow", "ratestack sliding window");
        ALGORITHMS.put("concurrency", "ratestack concurrency");
        PEERS.put("bucket4jLockFree", "Bucket4j 8.17 lock-free");
        PEERS.put("bucket4jSynchronized", "Bucket4j 8.17 synchronized");
        PEERS.put("resilience4j", "Resilience4j 2.4 AtomicRateLimiter");
        PEERS.put("guava", "Guava RateLimiter");
    }

    /**
     * Whom each algorithm is measured against: the best of these peers. Times-per and concurrency against every
     * peer; the token bucket against the token buckets (Bucket4j's two and Guava's smooth bucket); GCRA against
     * Guava, whose next-free-time scheduling is the same idea; the sliding window against Resilience4j, the
     * windowed peer.
     */
    private static final Map<String, List<String>> AGAINST = Map.of(
            "timesPer", List.copyOf(PEERS.keySet()),
            "concurrency", List.copyOf(PEERS.keySet()),
            "tokenBucket", List.of("bucket4jLockFree", "bucket4jSynchronized", "guava"),
            "gcra", List.of("guava"),
            "slidingWindow", List.of("resilience4j"));

    private PerformanceReport() {
    }

    /** One row of a JMH CSV file. */
    private record Score(String benchmark, int threads, double score, double error, String unit,
            Map<String, String> params) {
    }

    public static void main(String[] args) throws IOException {
        Path results = Path.of(args.length > 0 ? args[0] : "benchmarks/results");
        Path page = Path.of(args.length > 1 ? args[1] : "docs/performance.md");
        String text = Files.readString(page);
        List<Score> limiter = new ArrayList<>();
        for (String file : List.of("jmh-1-thread.csv", "jmh-2-threads.csv", "jmh-4-threads.csv")) {
            limiter.addAll(read(results.resolve(file)));
        }
        if (!limiter.isEmpty()) {
            text = replace(text, "jmh", limiterTable(limiter));
            text = replace(text, "ratios", ratioTable(limiter));
        }
        Path http = results.resolve("http.csv");
        if (Files.exists(http)) {
            text = replace(text, "http", httpTable(Files.readAllLines(http)));
        }
        List<Score> redis = new ArrayList<>();
        for (String file : List.of("redis-1-thread.csv", "redis-4-threads.csv", "redis-16-threads.csv",
                "redis-direct.csv")) {
            redis.addAll(read(results.resolve(file)));
        }
        if (!redis.isEmpty()) {
            text = replace(text, "redis", redisTable(redis));
        }
        Path memory = results.resolve("memory-per-client.txt");
        if (Files.exists(memory)) {
            text = replace(text, "memory", memoryTable(Files.readAllLines(memory),
                    read(results.resolve("store.csv"))));
        }
        Files.writeString(page, text);
    }

    private static String limiterTable(List<Score> scores) {
        StringBuilder table = new StringBuilder(
                "| limiter | admit, 1 thread | admit, 2 threads | admit, 4 threads | refuse, 1 thread |\n"
                        + "| --- | ---: | ---: | ---: | ---: |\n");
        ALGORITHMS.forEach((algorithm, name) -> row(table, scores, name, "admit_ratestack", "refuse_ratestack",
                algorithm));
        PEERS.forEach((peer, name) -> row(table, scores, name, "admit_" + peer, "refuse_" + peer, null));
        row(table, scores, "ratestack filter path: all of two, completed", "filter_ratestackAllOfTwoComplete", null,
                null);
        row(table, scores, "ratestack filter path: all of two, refunded", "filter_ratestackAllOfTwoCancel", null,
                null);
        return table.toString();
    }

    /** One limiter's row: its admit with 1, 2 and 4 threads, and its refusal with one if it has one. */
    private static void row(StringBuilder table, List<Score> scores, String name, String admit,
            @Nullable String refuse, @Nullable String algorithm) {
        table.append("| ").append(name);
        for (int threads : new int[] {1, 2, 4}) {
            table.append(" | ").append(cell(scores, admit, algorithm, threads));
        }
        table.append(" | ").append(refuse == null ? "" : cell(scores, refuse, algorithm, 1)).append(" |\n");
    }

    /** "45.1 ± 0.8 ns, 0 B" for one thread (with allocation), "78 ± 9 ns" for more; empty if not measured. */
    private static String cell(List<Score> scores, String benchmark, @Nullable String algorithm, int threads) {
        Score time = find(scores, LIMITER + benchmark, algorithm, threads);
        if (time == null) {
            return "";
        }
        String cell = String.format(Locale.ROOT, "%s ± %s ns", round(time.score()), round(time.error()));
        Score bytes = find(scores, LIMITER + benchmark + ":gc.alloc.rate.norm", algorithm, threads);
        if (bytes != null) {
            cell += String.format(Locale.ROOT, ", %.0f B", bytes.score());
        }
        return cell;
    }

    private static String round(double nanos) {
        return nanos < 100 ? String.format(Locale.ROOT, "%.1f", nanos) : String.format(Locale.ROOT, "%.0f", nanos);
    }

    private static String ratioTable(List<Score> scores) {
        StringBuilder table = new StringBuilder("| algorithm | measured against | admit, 1 thread | admit, 2 threads"
                + " | admit, 4 threads | refuse, 1 thread |\n| --- | --- | ---: | ---: | ---: | ---: |\n");
        ALGORITHMS.forEach((param, name) -> {
            List<String> peers = AGAINST.get(param);
            table.append("| ").append(name).append(" | ").append(peers.size() == PEERS.size() ? "every peer"
                    : String.join(", ", peers.stream().map(SHORT::get).toList()));
            for (int threads : new int[] {1, 2, 4}) {
                table.append(" | ").append(ratio(scores, "admit", param, threads));
            }
            table.append(" | ").append(ratio(scores, "refuse", param, 1)).append(" |\n");
        });
        return table.toString();
    }

    /** The best peer's time over this project's: above 1 is faster here. */
    private static String ratio(List<Score> scores, String operation, String algorithm, int threads) {
        Score ours = find(scores, LIMITER + operation + "_ratestack", algorithm, threads);
        Score best = null;
        for (String peer : AGAINST.get(algorithm)) {
            Score theirs = find(scores, LIMITER + operation + "_" + peer, null, threads);
            if (theirs != null && (best == null || theirs.score() < best.score())) {
                best = theirs;
            }
        }
        if (ours == null || best == null) {
            return "";
        }
        String peer = best.benchmark().substring(best.benchmark().indexOf('_') + 1);
        return String.format(Locale.ROOT, "%.2fx (%s)", best.score() / ours.score(), SHORT.get(peer));
    }

    private static String httpTable(List<String> lines) {
        StringBuilder table = new StringBuilder("| configuration | requests/s (median) | p50 | p99 | ratio | against |\n"
                + "| --- | ---: | ---: | ---: | ---: | --- |\n");
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",", -1);
            table.append(String.format(Locale.ROOT, "| %s | %,.0f | %s ms | %s ms | %s | %s |%n", cells[0],
                    Double.parseDouble(cells[1]), cells[2], cells[3],
                    cells.length > 5 && !cells[5].isEmpty() ? cells[5] + "x" : "", cells.length > 6 ? cells[6] : ""));
        }
        return table.toString();
    }

    private static String redisTable(List<Score> scores) {
        StringBuilder table = new StringBuilder("| store | threads | requests/s |\n| --- | ---: | ---: |\n");
        Map<String, String> names = new LinkedHashMap<>();
        names.put("ratestackInMemory", "ratestack, in memory");
        names.put("ratestackRedis", "ratestack, Redis store (`RedisLimits.attempt`, as the filter calls it)");
        names.put("bucket4jLettuce", "Bucket4j 8.17 Lettuce backend (a compare-and-swap bucket per limit)");
        names.put("directPipelined", "the store's script called directly, pipelined in batches");
        names.put("directWindowed", "the store's script called directly, a window of calls in flight");
        names.forEach((benchmark, name) -> {
            for (Score score : scores) {
                if (score.benchmark().equals(REDIS + benchmark)) {
                    table.append(String.format(Locale.ROOT, "| %s | %d | %,.0f ± %,.0f |%n", name, score.threads(),
                            score.score(), score.error()));
                }
            }
        });
        return table.toString();
    }

    private static String memoryTable(List<String> memory, List<Score> store) {
        StringBuilder table = new StringBuilder("| measure | value |\n| --- | ---: |\n");
        for (String line : memory) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                table.append("| ").append(line, 0, colon).append(" | ").append(line.substring(colon + 1).trim())
                        .append(" |\n");
            }
        }
        for (Score score : store) {
            if (!score.benchmark().contains(":")) {
                String name = score.benchmark().substring(score.benchmark().lastIndexOf('.', score.benchmark()
                        .lastIndexOf('.') - 1) + 1);
                String params = score.params().isEmpty() ? "" : " " + score.params();
                table.append(String.format(Locale.ROOT, "| `%s`%s | %.2f ± %.2f %s |%n", name, params,
                        score.score(), score.error(), score.unit()));
            }
        }
        return table.toString();
    }

    private static @Nullable Score find(List<Score> scores, String benchmark, @Nullable String algorithm,
            int threads) {
        for (Score score : scores) {
            if (score.benchmark().equals(benchmark) && score.threads() == threads
                    && (algorithm == null || algorithm.equals(score.params().get("algorithm")))) {
                return score;
            }
        }
        return null;
    }

    private static List<Score> read(Path file) throws IOException {
        List<Score> scores = new ArrayList<>();
        if (!Files.exists(file)) {
            return scores;
        }
        List<String> lines = Files.readAllLines(file);
        if (lines.isEmpty()) {
            return scores;
        }
        List<String> header = cells(lines.get(0));
        for (String line : lines.subList(1, lines.size())) {
            List<String> cells = cells(line);
            Map<String, String> params = new LinkedHashMap<>();
            for (int i = 7; i < header.size() && i < cells.size(); i++) {
                if (!cells.get(i).isEmpty()) {
                    params.put(header.get(i).replace("Param: ", ""), cells.get(i));
                }
            }
            scores.add(new Score(cells.get(0), Integer.parseInt(cells.get(2)), number(cells.get(4)),
                    number(cells.get(5)), cells.get(6), params));
        }
        return scores;
    }

    private static double number(String cell) {
        return cell.isEmpty() || cell.equals("NaN") ? Double.NaN : Double.parseDouble(cell);
    }

    /** The cells of one CSV line as JMH writes it: quoted strings, bare numbers. */
    private static List<String> cells(String line) {
        List<String> cells = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                cells.add(cell.toString());
                cell.setLength(0);
            } else {
                cell.append(c);
            }
        }
        cells.add(cell.toString());
        return cells;
    }

    private static String replace(String page, String name, String table) {
        String open = "<!-- report:" + name + " -->\n";
        String close = "<!-- /report:" + name + " -->";
        int start = page.indexOf(open);
        int end = page.indexOf(close);
        if (start < 0 || end < start) {
            throw new IllegalStateException("the page has no " + open.trim() + " ... " + close);
        }
        return page.substring(0, start + open.length()) + table + page.substring(end);
    }
}
