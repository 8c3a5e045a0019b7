package org.pstore.web;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardContextSelect;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;

/** The page: three fixed files from this bundle, for GET; any other path is a JSON 404. */
@Component(service = Servlet.class)
@HttpWhiteboardContextSelect(WebContext.SELECT)
@HttpWhiteboardServletPattern("/*")
public class PageServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    /** Path → content type; the only files served. */
    private static final Map<String, String> FILES = Map.of(
            "/index.html", "text/html;charset=utf-8",
            "/app.js", "text/javascript;charset=utf-8",
            "/style.css", "text/css;charset=utf-8");

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String path = request.getPathInfo();
        if (path == null) {
            response.sendRedirect(request.getContextPath() + "/");
            return;
        }
        if (path.equals("/")) {
            path = "/index.html";
        }
        String type = FILES.get(path);
        if (type == null) {
            Json.error(response, 404, "no such page");
            return;
        }
        if (!request.getMethod().equals("GET")) {
            response.setHeader("Allow", "GET");
            Json.error(response, 405, "method not allowed");
            return;
        }
        try (InputStream in = PageServlet.class.getResourceAsStream("page" + path)) {
            byte[] bytes = in.readAllBytes();
            response.setContentType(type);
            response.setHeader("X-Content-Type-Options", "nosniff");
            // the page may not be framed by another site (clickjacking an erase)
            response.setHeader("X-Frame-Options", "DENY");
            response.setHeader("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'");
            response.setContentLength(bytes.length);
            response.getOutputStream().write(bytes);
        }
    }
}
