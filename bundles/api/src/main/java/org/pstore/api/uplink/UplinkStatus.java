package org.pstore.api.uplink;

/**
 * A snapshot of the uplink.
 *
 * @param broker    the broker's URI, empty when the uplink is off
 * @param gatewayId the id the crashes are published under
 * @param connected whether the broker has accepted the connection
 * @param backlog   archived crashes not yet acknowledged by the broker
 * @param sent      crashes the broker acknowledged, over every run
 * @param lastError the last connection, publish or request problem, empty when none
 */
public record UplinkStatus(String broker, String gatewayId, boolean connected, int backlog, long sent,
                           String lastError) {
}
