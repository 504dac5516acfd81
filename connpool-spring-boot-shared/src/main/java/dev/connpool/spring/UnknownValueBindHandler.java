package dev.connpool.spring;

import dev.connpool.AffinityAlgorithm;
import java.util.Arrays;
import java.util.List;
import org.springframework.boot.context.properties.bind.AbstractBindHandler;
import org.springframework.boot.context.properties.bind.BindContext;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;

/**
 * Reports a value outside one of the starter's closed sets ({@link BalancerType}, {@link DiscoveryFormatType},
 * core's {@link AffinityAlgorithm})
 * as the starter reports any bad value: a {@link ConnpoolConfigurationException} naming the property, the
 * value and the values there are, in YAML's spelling ({@code least-active}, not {@code LEAST_ACTIVE}).
 * Spring Boot's own report would list the enum constants.
 */
final class UnknownValueBindHandler extends AbstractBindHandler {

    @Override
    public Object onFailure(ConfigurationPropertyName name, Bindable<?> target, BindContext context, Exception error)
            throws Exception {
        Class<?> type = target.getType().resolve();
        ConfigurationProperty property = context.getConfigurationProperty();
        if (property != null && type == BalancerType.class) {
            List<String> keys = Arrays.stream(BalancerType.values()).map(BalancerType::key).toList();
            throw new ConnpoolConfigurationException(name.toString(), property.getValue(), "unknown balancer",
                    "Set " + name + " to one of " + keys + ".", error);
        }
        if (property != null && type == DiscoveryFormatType.class) {
            List<String> keys = Arrays.stream(DiscoveryFormatType.values()).map(DiscoveryFormatType::key).toList();
            throw new ConnpoolConfigurationException(name.toString(), property.getValue(), "unknown discovery format",
                    "Set " + name + " to one of " + keys + ": children for nodes named host:port under the path, "
                            + "curator for Curator x-discovery (Spring Cloud Zookeeper) instances.", error);
        }
        if (property != null && type == AffinityAlgorithm.class) {
            List<String> keys = Arrays.stream(AffinityAlgorithm.values()).map(AffinityAlgorithm::key).toList();
            throw new ConnpoolConfigurationException(name.toString(), property.getValue(), "unknown affinity algorithm",
                    "Set " + name + " to one of " + keys + ".", error);
        }
        return super.onFailure(name, target, context, error);
    }
}
