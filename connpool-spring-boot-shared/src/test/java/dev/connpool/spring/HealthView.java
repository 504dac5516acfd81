package dev.connpool.spring;

import java.util.Map;

/**
 * A health as Spring Boot reported it, read from either generation's health API by {@link BootGeneration}: so
 * that the tests shared by both starters assert on one type.
 *
 * @param status  the status code: {@code UP}, {@code DOWN}
 * @param details the details
 */
public record HealthView(String status, Map<String, Object> details) {
}
