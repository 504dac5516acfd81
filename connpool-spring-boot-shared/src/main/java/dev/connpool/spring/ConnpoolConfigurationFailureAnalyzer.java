package dev.connpool.spring;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Reports a {@link ConnpoolConfigurationException} at start-up: the property, its value, why, and what to do. */
final class ConnpoolConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<ConnpoolConfigurationException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, ConnpoolConfigurationException cause) {
        String description = "Invalid connpool configuration:\n\n    Property: " + cause.property() + "\n    Value: "
                + (cause.value() == null ? "(not set)" : "\"" + cause.value() + "\"") + "\n    Reason: " + cause.reason();
        return new FailureAnalysis(description, cause.action(), cause);
    }
}
