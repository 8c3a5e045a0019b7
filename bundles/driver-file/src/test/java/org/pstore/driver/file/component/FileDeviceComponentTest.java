package org.pstore.driver.file.component;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.service.log.Logger;
import org.pstore.api.PstoreException;
import org.pstore.driver.file.FileDevice;

/** The component's activation: a partition another writer has is logged and activates nothing. */
class FileDeviceComponentTest {

    @TempDir
    Path dir;

    static FileDeviceConfig config(Path path, String size) {
        return (FileDeviceConfig) Proxy.newProxyInstance(FileDeviceConfig.class.getClassLoader(),
                new Class<?>[] {FileDeviceConfig.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "path" -> path.toString();
                    case "size" -> size;
                    case "name" -> "";
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    /** A logger that keeps its error lines, its {} filled in as the OSGi log service does. */
    static Logger errors(List<String> lines) {
        return (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(), new Class<?>[] {Logger.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("error") && args.length == 2) {
                        lines.add(((String) args[0]).replace("{}", String.valueOf(args[1])));
                    }
                    return null;
                });
    }

    @Test
    void aPartitionInUseIsLoggedAndTheComponentDoesNotActivate() throws Exception {
        Path image = dir.resolve("p.img");
        List<String> logged = new ArrayList<>();
        try (FileDevice held = FileDevice.openOrCreate(image, 8192)) {
            // DS registers no service when the activation constructor throws
            PstoreException e = assertThrows(PstoreException.class,
                    () -> new FileDeviceComponent(config(image, "8K"), errors(logged)));
            assertTrue(e.getMessage().contains(" is in use by this process"), e.getMessage());
            assertEquals(List.of("pstore file device not started: " + e.getMessage()), logged);
        }
        FileDeviceComponent component = new FileDeviceComponent(config(image, "8K"), errors(logged));
        component.deactivate(); // releases the partition: a hot swap opens it again
        new FileDeviceComponent(config(image, "8K"), errors(logged)).deactivate();
        assertEquals(1, logged.size());
    }
}
