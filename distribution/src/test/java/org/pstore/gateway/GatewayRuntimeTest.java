package org.pstore.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayRuntimeTest {

    @TempDir
    Path dir;

    /** A jar laid out as bnd's executable export lays it out, with this launcher.properties. */
    Path exported(String launcherProperties) throws IOException {
        Path jar = dir.resolve("runtime.jar");
        try (OutputStream file = Files.newOutputStream(jar); ZipOutputStream zip = new ZipOutputStream(file)) {
            zip.putNextEntry(new ZipEntry("launcher.properties"));
            zip.write(launcherProperties.getBytes(StandardCharsets.ISO_8859_1));
            zip.closeEntry();
        }
        return jar;
    }

    @Test
    void bundlesKeepTheirOrderAndStartLevelsAndOnlyRunPropertiesAreFrameworkProperties() throws Exception {
        Path jar = exported("""
                launch.bundles=jar/org.apache.felix.configadmin-1.9.26.jar,jar/pstore-api-0.1.0-SNAPSHOT.jar
                launch.runbundles.attrs=org.apache.felix.configadmin;version\\="1.9.26";startlevel\\=2,\
                org.pstore.api;version\\="0.1.0.202611281837";startlevel\\=10
                launch.timeout=0
                felix.fileinstall.noInitialDelay=true
                org.osgi.framework.startlevel.beginning=22
                """);
        GatewayRuntime runtime = GatewayRuntime.of(jar);
        String base = "jar:" + jar.toUri() + "!/";
        assertEquals(List.of(new GatewayRuntime.RunBundle(base + "jar/org.apache.felix.configadmin-1.9.26.jar", 2),
                new GatewayRuntime.RunBundle(base + "jar/pstore-api-0.1.0-SNAPSHOT.jar", 10)), runtime.bundles());
        assertEquals(Map.of("felix.fileinstall.noInitialDelay", "true", "org.osgi.framework.startlevel.beginning", "22"),
                runtime.properties());
    }

    @Test
    void aJarThatIsNotAnExportedRuntimeIsAClearError() throws Exception {
        Path jar = dir.resolve("plain.jar");
        try (OutputStream file = Files.newOutputStream(jar); ZipOutputStream zip = new ZipOutputStream(file)) {
            zip.putNextEntry(new ZipEntry("META-INF/MANIFEST.MF"));
            zip.closeEntry();
        }
        IOException e = assertThrows(IOException.class, () -> GatewayRuntime.of(jar));
        assertTrue(e.getMessage().contains("no launcher.properties"), e.getMessage());
    }

    @Test
    void listsThatDoNotMatchAreAClearError() throws Exception {
        Path jar = exported("launch.bundles=jar/a.jar,jar/b.jar\nlaunch.runbundles.attrs=a;version\\=\"1\";startlevel\\=1\n");
        IOException e = assertThrows(IOException.class, () -> GatewayRuntime.of(jar));
        assertTrue(e.getMessage().contains("do not match"), e.getMessage());
    }
}
