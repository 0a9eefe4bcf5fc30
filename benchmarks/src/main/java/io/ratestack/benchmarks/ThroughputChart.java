package io.ratestack.benchmarks;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Draws the HTTP benchmark's throughput per configuration as a horizontal bar chart (PNG), from the CSV that
 * {@code benchmarks/http/run.sh} writes ({@code label,requests_per_second,p50_ms,p99_ms}, then optionally
 * {@code non_2xx,ratio,ratio_reference}: a bar's ratio to its reference is noted beside it). Plain Java 2D, headless.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar io.ratestack.benchmarks.ThroughputChart in.csv out.png
 * "title"}.
 */
public final class ThroughputChart {

    private record Bar(String label, double value, String note) {
    }

    private ThroughputChart() {
    }

    public static void main(String[] args) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<Bar> bars = new ArrayList<>();
        List<String> lines = Files.readAllLines(Path.of(args[0]));
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",", -1);
            String note = String.format(Locale.ROOT, "p50 %s ms, p99 %s ms", cells[2], cells[3]);
            if (cells.length > 6 && !cells[5].isEmpty()) {
                note += String.format(Locale.ROOT, ", %sx %s", cells[5], cells[6]);
            }
            bars.add(new Bar(cells[0], Double.parseDouble(cells[1]), note));
        }
        String title = args.length > 2 ? args[2] : "Requests per second";
        ImageIO.write(draw(bars, title), "png", Path.of(args[1]).toFile());
    }

    private static BufferedImage draw(List<Bar> bars, String title) {
        int width = 1200;
        int rowHeight = 46;
        int top = 70;
        int left = 330;
        int right = 420;
        int height = top + bars.size() * rowHeight + 40;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 20));
        g.drawString(title, 20, 36);
        double max = bars.stream().mapToDouble(Bar::value).max().orElse(1);
        int span = width - left - right;
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 15));
        FontMetrics metrics = g.getFontMetrics();
        for (int i = 0; i < bars.size(); i++) {
            Bar bar = bars.get(i);
            int y = top + i * rowHeight;
            int length = (int) Math.round(span * bar.value() / max);
            g.setColor(bar.label().contains("ratestack") ? new Color(0x2E7D32)
                    : bar.label().contains("bucket4j") ? new Color(0x1565C0) : new Color(0x757575));
            g.fillRect(left, y, Math.max(1, length), rowHeight - 18);
            g.setColor(Color.BLACK);
            g.drawString(bar.label(), left - 12 - metrics.stringWidth(bar.label()), y + 20);
            g.drawString(String.format(Locale.ROOT, "%,.0f/s", bar.value()), left + length + 8, y + 14);
            g.setColor(new Color(0x555555));
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            g.drawString(bar.note(), left + length + 8, y + 28);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 15));
        }
        g.setColor(Color.GRAY);
        g.setStroke(new BasicStroke(1));
        g.drawLine(left, top - 8, left, top + bars.size() * rowHeight - 10);
        g.dispose();
        return image;
    }
}
