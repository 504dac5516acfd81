package dev.connpool.spring;

import dev.connpool.HedgeDelay;
import dev.connpool.MultiPool;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.boot.convert.DurationStyle;

/**
 * {@code hedge.delay} and {@code hedge.executor} of one pool onto its builder: the delay read as {@code off}, a
 * percentile ({@code p95}) or a Spring Boot duration ({@code 20ms}); the executor the named bean, else one the
 * starter makes: a new thread per attempt, virtual on Java 21 and later (found by reflection, as the starter runs
 * on 17), a daemon platform thread before. That executor holds no threads between attempts, so there is nothing to
 * close with the pool. A bad value is reported at its property.
 */
final class HedgeExecutors {

    private HedgeExecutors() {
    }

    static void apply(MergedPoolProperties s, MultiPool.Builder<?> b, BeanFactory beanFactory) {
        MergedPoolProperties.Value<String> text = s.get("hedge.delay", p -> p.getHedge().getDelay());
        if (text.value() == null) {
            return;
        }
        HedgeDelay delay = delay(text);
        b.hedgeDelay(delay);
        if (delay.isOff()) {
            return;
        }
        MergedPoolProperties.Value<String> named = s.get("hedge.executor", p -> p.getHedge().getExecutor());
        b.hedgeExecutor(named.value() != null ? bean(named, beanFactory) : threadPerAttempt(s.pool()));
    }

    private static HedgeDelay delay(MergedPoolProperties.Value<String> text) {
        String value = text.value().strip();
        try {
            if (value.equalsIgnoreCase("off") || value.matches("(?i)p[0-9.]+")) {
                return HedgeDelay.parse(value);
            }
            Duration fixed = DurationStyle.detectAndParse(value);
            return HedgeDelay.fixed(fixed);
        } catch (IllegalArgumentException e) {
            throw new ConnpoolConfigurationException(text.property(), text.value(),
                    "is no hedge delay: neither off, a duration nor a percentile",
                    "Set " + text.property() + " to off, a duration such as 20ms, or a percentile of recent latencies "
                            + "such as p95.", e);
        }
    }

    private static Executor bean(MergedPoolProperties.Value<String> named, BeanFactory beanFactory) {
        String property = named.property();
        Object bean;
        try {
            bean = beanFactory.getBean(named.value());
        } catch (NoSuchBeanDefinitionException e) {
            throw new ConnpoolConfigurationException(property, named.value(), "there is no bean named '" + named.value()
                    + "'", "Define an Executor bean named '" + named.value() + "', or remove " + property
                    + " to run hedged attempts on a thread each (virtual on Java 21+).", e);
        }
        if (!(bean instanceof Executor executor)) {
            throw new ConnpoolConfigurationException(property, named.value(), "bean '" + named.value() + "' is a "
                    + bean.getClass().getName() + ", not a java.util.concurrent.Executor",
                    "Point " + property + " at an Executor bean.", null);
        }
        return executor;
    }

    /** A new thread per attempt: virtual when the JVM has them, else a daemon platform thread. */
    static Executor threadPerAttempt(String pool) {
        ThreadFactory threads = virtualThreads("connpool-hedge-" + pool + "-");
        if (threads == null) {
            AtomicLong count = new AtomicLong();
            threads = task -> {
                Thread t = new Thread(task, "connpool-hedge-" + pool + "-" + count.getAndIncrement());
                t.setDaemon(true);
                return t;
            };
        }
        ThreadFactory factory = threads;
        return task -> factory.newThread(task).start();
    }

    /** {@code Thread.ofVirtual().name(prefix, 0).factory()} on Java 21+, else null. */
    static ThreadFactory virtualThreads(String prefix) {
        try {
            Method ofVirtual = Thread.class.getMethod("ofVirtual");
            Object builder = ofVirtual.invoke(null);
            Class<?> type = Class.forName("java.lang.Thread$Builder");
            builder = type.getMethod("name", String.class, long.class).invoke(builder, prefix, 0L);
            return (ThreadFactory) type.getMethod("factory").invoke(builder);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null; // before Java 21
        }
    }
}
