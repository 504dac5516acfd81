package dev.connpool;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * {@code hedge.delay}: when a hedged {@link MultiPool#execute(PoolCallback)} starts its second attempt on another
 * server. One of three kinds, written in YAML as:
 * <ul>
 *   <li>{@code off} ({@link #off()}, the default): no hedging;</li>
 *   <li>a duration such as {@code 20ms} ({@link #fixed(Duration)}): after that long without an answer;</li>
 *   <li>a percentile such as {@code p95} or {@code p99.9} ({@link #percentile(double)}): after that percentile
 *       of the pool's recent attempt latencies (the last 1,024 to 2,048 successful attempts, to within 1/16),
 *       taken over the servers other than the one the call waits on; no hedge until 128 attempts have been
 *       measured.</li>
 * </ul>
 * Immutable; equal when of the same kind and value.
 */
public final class HedgeDelay {

    private static final HedgeDelay OFF = new HedgeDelay(null, 0);

    private final Duration fixed;
    private final double percentile;

    private HedgeDelay(Duration fixed, double percentile) {
        this.fixed = fixed;
        this.percentile = percentile;
    }

    /**
     * No hedging.
     *
     * @return the delay {@code off}
     */
    public static HedgeDelay off() {
        return OFF;
    }

    /**
     * Hedges after a fixed delay. The builder checks it is positive.
     *
     * @param delay how long the first attempt may run alone
     * @return the delay
     */
    public static HedgeDelay fixed(Duration delay) {
        return new HedgeDelay(Objects.requireNonNull(delay, "delay"), 0);
    }

    /**
     * Hedges after a percentile of recent attempt latencies. The builder checks it is above 0 and below 100.
     *
     * @param percentile such as 95 or 99.9
     * @return the delay
     */
    public static HedgeDelay percentile(double percentile) {
        return new HedgeDelay(null, percentile);
    }

    /**
     * Reads the YAML form: {@code off}, a percentile {@code p<number>} ({@code p95}, {@code p99.9}) or a duration
     * as a number and a unit ({@code 20ms}, {@code 1s}; units {@code ns}, {@code us}, {@code ms}, {@code s}) or in
     * ISO-8601 ({@code PT0.02S}).
     *
     * @param text the text
     * @return the delay
     * @throws IllegalArgumentException when the text is none of these
     */
    public static HedgeDelay parse(String text) {
        String t = Objects.requireNonNull(text, "text").strip().toLowerCase(Locale.ROOT);
        try {
            if (t.equals("off")) {
                return OFF;
            }
            if (t.startsWith("p") && t.length() > 1 && !t.startsWith("pt")) {
                return percentile(Double.parseDouble(t.substring(1)));
            }
            if (t.startsWith("pt")) {
                return fixed(Duration.parse(t));
            }
            int unit = 0;
            while (unit < t.length() && (Character.isDigit(t.charAt(unit)) || t.charAt(unit) == '.')) {
                unit++;
            }
            double amount = Double.parseDouble(t.substring(0, unit));
            long nanosPerUnit = switch (t.substring(unit).strip()) {
                case "ns" -> 1L;
                case "us" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                default -> throw new IllegalArgumentException("no unit");
            };
            return fixed(Duration.ofNanos(Math.round(amount * nanosPerUnit)));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("'" + text + "' is no hedge delay: write off, a duration such as 20ms,"
                    + " or a percentile of recent latencies such as p95", e);
        }
    }

    /**
     * Tells whether this turns hedging off.
     *
     * @return whether it is {@code off}
     */
    public boolean isOff() {
        return fixed == null && percentile == 0;
    }

    /**
     * Returns the fixed delay.
     *
     * @return the delay, or {@code null} when this is {@code off} or a percentile
     */
    public Duration fixedDelay() {
        return fixed;
    }

    /**
     * Returns the percentile.
     *
     * @return such as 95, or 0 when this is {@code off} or a fixed delay
     */
    public double percentileValue() {
        return percentile;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof HedgeDelay that && Objects.equals(fixed, that.fixed)
                && Double.compare(percentile, that.percentile) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(fixed, percentile);
    }

    /**
     * Returns the YAML form: {@code off}, {@code p95}, or the duration in milliseconds ({@code 20ms}) when it is a
     * whole number of them, else in nanoseconds ({@code 1500us} is {@code 1500000ns}).
     *
     * @return the text {@link #parse} reads back
     */
    @Override
    public String toString() {
        if (isOff()) {
            return "off";
        }
        if (fixed == null) {
            return "p" + (percentile == Math.rint(percentile) ? String.valueOf((long) percentile) : String.valueOf(percentile));
        }
        long nanos = fixed.toNanos();
        return nanos % 1_000_000 == 0 ? nanos / 1_000_000 + "ms" : nanos + "ns";
    }
}
