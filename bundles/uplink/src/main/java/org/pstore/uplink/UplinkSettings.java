package org.pstore.uplink;

import java.time.Duration;

/**
 * How an uplink reaches its broker.
 *
 * @param broker         the broker's URI ({@code tcp://host:1883}, {@code ssl://...})
 * @param gatewayId      the id crashes are published under, a {@link Names#safe safe} name
 * @param username       empty: none
 * @param password       empty: none
 * @param topicPrefix    the first topic level(s), e.g. {@code pstore}
 * @param maxPerHour     crashes sent in any hour at most; 0: no limit
 * @param maxBytesPerDay message bytes sent in any 24 hours at most; 0: no limit
 * @param retryMin       the first wait after a failed connection
 * @param retryMax       the longest wait between connection attempts
 * @param inflight       publishes waiting for their acknowledgement at most
 */
public record UplinkSettings(String broker, String gatewayId, String username, String password, String topicPrefix,
                             int maxPerHour, long maxBytesPerDay, Duration retryMin, Duration retryMax, int inflight) {

    public UplinkSettings {
        Names.check("gateway id", gatewayId);
        if (broker.isEmpty() || topicPrefix.isEmpty() || topicPrefix.contains("+") || topicPrefix.contains("#")) {
            throw new IllegalArgumentException("an uplink needs a broker URI and a topic prefix without wildcards");
        }
        if (maxPerHour < 0 || maxBytesPerDay < 0 || inflight < 1) {
            throw new IllegalArgumentException("max.per.hour and max.bytes.per.day are 0 (no limit) or more");
        }
    }

    /** The settings with the defaults for what the configuration does not name. */
    public static UplinkSettings of(String broker, String gatewayId, String username, String password,
                                    String topicPrefix, int maxPerHour, long maxBytesPerDay) {
        return new UplinkSettings(broker, gatewayId, username, password, topicPrefix, maxPerHour, maxBytesPerDay,
                Duration.ofSeconds(1), Duration.ofMinutes(5), 10);
    }

    public UplinkSettings withRetry(Duration min, Duration max) {
        return new UplinkSettings(broker, gatewayId, username, password, topicPrefix, maxPerHour, maxBytesPerDay,
                min, max, inflight);
    }

    @Override
    public String toString() { // never the password
        return "UplinkSettings[broker=" + broker + ", gatewayId=" + gatewayId + ", username=" + username + "]";
    }
}
