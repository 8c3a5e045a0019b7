package org.pstore.web;

import java.io.IOException;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Objects;

import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;

/**
 * Puts the web view's {@code port} and {@code address} into the configuration of Felix HTTP
 * Jetty ({@value #JETTY_PID}), which owns the listening socket; the gateway starts Jetty with
 * HTTP disabled, so nothing listens before this configuration says where.
 */
@Component(configurationPid = WebConfig.PID, service = {})
public class JettyBinding {

    static final String JETTY_PID = "org.apache.felix.http";
    static final String PORT = "org.osgi.service.http.port";
    static final String HOST = "org.apache.felix.http.host";
    static final String ENABLE = "org.apache.felix.http.enable";
    /** Framework property: {@code false} serves no page (the gateway's {@code -c} runs set it). */
    static final String SERVE = "org.pstore.web.serve";

    /** Whether this framework serves the view at all (not in a gateway's {@code -c} run). */
    static boolean serves(BundleContext context) {
        return !"false".equals(context.getProperty(SERVE));
    }

    private final ConfigurationAdmin configAdmin;

    private final boolean batch;

    @Activate
    public JettyBinding(WebConfig config, @Reference ConfigurationAdmin configAdmin, BundleContext context) throws IOException {
        this.configAdmin = configAdmin;
        // a gateway run with -c runs its commands and stops: it serves no page (and Jetty, stopped
        // meanwhile, would fail on a configuration delivered late)
        this.batch = !serves(context);
        modified(config);
    }

    @Modified
    void modified(WebConfig config) throws IOException {
        if (batch) {
            return;
        }
        Configuration jetty = configAdmin.getConfiguration(JETTY_PID, "?");
        Dictionary<String, Object> current = jetty.getProperties();
        Dictionary<String, Object> wanted = current == null ? new Hashtable<>() : current;
        // an unchanged configuration would still restart Jetty: only a change is written
        if (current != null && Objects.equals(current.get(PORT), config.port())
                && Objects.equals(current.get(HOST), config.address()) && Boolean.TRUE.equals(current.get(ENABLE))) {
            return;
        }
        wanted.put(PORT, config.port());
        wanted.put(HOST, config.address());
        wanted.put(ENABLE, Boolean.TRUE);
        jetty.update(wanted);
    }
}
