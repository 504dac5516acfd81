package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The retry budget alone, on the fake clock: deposits, the reserve, the window, the spread of late deposits. */
class RetryBudgetTest {

    private final FakeClock clock = new FakeClock();

    private RetryBudget budget(double ratio, int minPerSecond, Duration window) {
        return new RetryBudget(new RetryBudgetSettings(ratio, minPerSecond, window), clock);
    }

    private static int retriesAllowed(RetryBudget budget) {
        int n = 0;
        while (budget.tryRetry()) {
            n++;
        }
        return n;
    }

    @Test
    void eachCallDepositsTheRatioAndEachRetryWithdrawsOne() {
        RetryBudget budget = budget(0.2, 0, Duration.ofSeconds(10));
        for (int i = 0; i < 100; i++) {
            budget.deposit();
        }
        assertThat(retriesAllowed(budget)).isEqualTo(20);
        assertThat(budget.stats()).isEqualTo(new RetryStats(100, 20, 1, 0, 0));
        budget.deposit();
        budget.deposit();
        budget.deposit();
        budget.deposit();
        budget.deposit();
        assertThat(retriesAllowed(budget)).as("five more calls, one more retry").isEqualTo(1);
    }

    @Test
    void theReserveIsMinPerSecondTimesTheWindowAndComesBackWhenItsWithdrawalsExpire() {
        RetryBudget budget = budget(0.2, 10, Duration.ofSeconds(10));
        assertThat(retriesAllowed(budget)).as("no calls yet: the reserve").isEqualTo(100);
        clock.advance(Duration.ofSeconds(5));
        assertThat(budget.tryRetry()).as("the withdrawals still count").isFalse();
        clock.advance(Duration.ofSeconds(5));
        assertThat(retriesAllowed(budget)).as("a window later").isEqualTo(100);
    }

    @Test
    void depositsExpireAfterTheWindow() {
        RetryBudget budget = budget(0.5, 0, Duration.ofSeconds(10));
        for (int i = 0; i < 10; i++) {
            budget.deposit();
        }
        assertThat(budget.balance()).isEqualTo(5.0);
        clock.advance(Duration.ofSeconds(4));
        assertThat(budget.balance()).as("still in the window").isEqualTo(5.0);
        clock.advance(Duration.ofSeconds(7));
        assertThat(budget.balance()).as("a window and more later").isZero();
        assertThat(budget.tryRetry()).isFalse();
    }

    @Test
    void depositsMadeSinceTheLastRetryCountForTheShareOfTheirTimeInTheWindow() {
        RetryBudget budget = budget(0.2, 0, Duration.ofSeconds(10));
        budget.balance(); // accounted now
        for (int i = 0; i < 10_000; i++) {
            budget.deposit(); // taken as made evenly over the next 100 s
        }
        clock.advance(Duration.ofSeconds(100));
        // the ring holds between 9 and 10 s back: 9-10% of the calls, times 0.2
        assertThat(budget.balance()).isBetween(180.0, 200.0);
    }

    @Test
    void hedgesWithdrawToo() {
        RetryBudget budget = budget(1.0, 0, Duration.ofSeconds(10));
        budget.deposit();
        budget.deposit();
        assertThat(budget.tryHedge()).isTrue();
        budget.hedgeWon();
        assertThat(budget.tryRetry()).isTrue();
        assertThat(budget.tryHedge()).isFalse();
        assertThat(budget.stats()).isEqualTo(new RetryStats(2, 1, 0, 1, 1));
        assertThat(budget.stats().attemptsPerCall()).isEqualTo(2.0);
    }

    @Test
    void zeroRatioAndZeroReserveNeverRetry() {
        RetryBudget budget = budget(0.0, 0, Duration.ofSeconds(1));
        for (int i = 0; i < 1000; i++) {
            budget.deposit();
        }
        assertThat(budget.tryRetry()).isFalse();
        assertThat(budget.stats().budgetExhausted()).isEqualTo(1);
    }
}
