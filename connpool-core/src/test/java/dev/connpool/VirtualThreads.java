package dev.connpool;

import java.lang.reflect.Method;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;

/**
 * Virtual threads for tests that compile with {@code --release 17}: found by reflection on JDK 21+, and on
 * JDK 17 platform threads instead, named as such so that a test report says which ran.
 */
final class VirtualThreads {

    private static final Method NEW_PER_TASK_EXECUTOR = method(Executors.class, "newVirtualThreadPerTaskExecutor");
    private static final Method IS_VIRTUAL = method(Thread.class, "isVirtual");

    private VirtualThreads() {
    }

    /** Whether this JDK has virtual threads (21+). */
    static boolean available() {
        return NEW_PER_TASK_EXECUTOR != null;
    }

    /** Whether the current thread is a virtual one (always false on JDK 17). */
    static boolean currentIsVirtual() {
        if (IS_VIRTUAL == null) {
            return false;
        }
        try {
            return (Boolean) IS_VIRTUAL.invoke(Thread.currentThread());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A new virtual thread per task on JDK 21+ ({@code Executors.newVirtualThreadPerTaskExecutor()}); on
     * JDK 17, {@code platformThreads} daemon platform threads named {@code name-N}.
     */
    static ExecutorService executor(String name, int platformThreads) {
        if (NEW_PER_TASK_EXECUTOR != null) {
            try {
                return (ExecutorService) NEW_PER_TASK_EXECUTOR.invoke(null);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        ThreadFactory factory = new ThreadFactory() {
            private int n;

            @Override
            public synchronized Thread newThread(Runnable task) {
                Thread t = new Thread(task, name + "-" + n++);
                t.setDaemon(true);
                return t;
            }
        };
        return Executors.newFixedThreadPool(platformThreads, factory);
    }

    /** "200 virtual threads (JDK 25)", or "200 platform threads (JDK 17 has no virtual threads)". */
    static String describe(int threads) {
        String jdk = "JDK " + Runtime.version().feature();
        return available() ? threads + " virtual threads (" + jdk + ")"
                : threads + " platform threads (" + jdk + " has no virtual threads)";
    }

    private static Method method(Class<?> type, String name) {
        try {
            return type.getMethod(name);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }
}
