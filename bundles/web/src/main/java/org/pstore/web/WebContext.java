package org.pstore.web;

import java.io.IOException;
import java.nio.file.Path;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.servlet.context.ServletContextHelper;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardContext;

/**
 * The servlet context every part of the web view lives in, at {@value #PATH}: nothing in it
 * answers a request without the configured user's credentials (basic auth; 401 otherwise).
 * A new configuration makes a new context, so the credentials cannot change under a request.
 */
// immediate: the password is made (and where it is printed) at start, not at the first request
@Component(service = ServletContextHelper.class, configurationPid = WebConfig.PID, immediate = true)
@Designate(ocd = WebConfig.class)
@HttpWhiteboardContext(name = WebContext.NAME, path = WebContext.PATH)
public class WebContext extends ServletContextHelper {

    static final String NAME = "org.pstore.web";
    static final String PATH = "/pstore";
    /** Selects this context in a servlet's properties. */
    static final String SELECT = "(osgi.http.whiteboard.context.name=" + NAME + ")";

    private final Credentials credentials; // null: this run serves nothing, every request is refused

    @Activate
    public WebContext(WebConfig config, BundleContext context,
                      @Reference(service = LoggerFactory.class, cardinality = ReferenceCardinality.OPTIONAL) Logger logger)
            throws IOException {
        if (!JettyBinding.serves(context)) {
            // a gateway run with -c serves no page: it makes no password and says nothing about one
            // (the line would land in the console ring, for the next start to archive as a crash)
            this.credentials = null;
            return;
        }
        Path file = Path.of(config.password_file()).toAbsolutePath();
        String password = Credentials.password(config.password(), file);
        if (config.password().isEmpty() && logger != null) {
            // a warning, so that the gateway prints it on its console
            logger.warn("web view: no password configured; user '{}', password in {} (readable by its owner only)",
                    config.username(), file);
        }
        this.credentials = new Credentials(config.username(), password);
    }

    @Override
    public boolean handleSecurity(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (credentials != null && credentials.accepts(request.getHeader("Authorization"))) {
            return true;
        }
        response.setHeader("WWW-Authenticate", "Basic realm=\"pstore\", charset=\"UTF-8\"");
        Json.error(response, HttpServletResponse.SC_UNAUTHORIZED, "credentials needed");
        return false;
    }

}
