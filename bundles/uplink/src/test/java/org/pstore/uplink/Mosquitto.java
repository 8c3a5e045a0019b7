package org.pstore.uplink;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Mosquitto (Debian's {@code mosquitto} package) for a test: its own folder, a free port on
 * 127.0.0.1, a password file and an ACL file, persistence on. Started as a child process, stopped
 * with SIGTERM (it saves its sessions), restartable on the same port.
 */
public final class Mosquitto implements AutoCloseable {

    /**
     * The fleet's ACL: a gateway (user name = gateway id) publishes crashes and replies under its
     * own id and reads its own requests; the collector reads every crash; the operator sends
     * requests and reads replies.
     */
    public static final String FLEET_ACL = String.join("\n",
            "pattern write pstore/%u/crash/#",
            "pattern write pstore/%u/reply/#",
            "pattern read pstore/%u/cmd/#",
            "",
            "user collector",
            "topic read pstore/+/crash/+",
            "",
            "user operator",
            "topic write pstore/+/cmd/#",
            "topic read pstore/+/reply/#",
            "");

    private final Path dir;
    private final int port;
    private Process process;

    private Mosquitto(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /**
     * Starts a broker in {@code dir} that knows exactly these users (name to password) and this ACL;
     * {@code settings}: further lines of its mosquitto.conf.
     */
    public static Mosquitto start(Path dir, Map<String, String> users, String acl, String... settings) throws IOException {
        Files.createDirectories(dir.resolve("data"));
        StringBuilder plain = new StringBuilder();
        users.forEach((u, p) -> plain.append(u).append(':').append(p).append('\n'));
        Path passwd = dir.resolve("passwd");
        Files.writeString(passwd, plain);
        run("mosquitto_passwd", "-U", passwd.toString()); // hashes the plain-text file in place
        Files.writeString(dir.resolve("acl"), acl);
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Files.writeString(dir.resolve("mosquitto.conf"), String.join("\n",
                "listener " + port + " 127.0.0.1",
                "allow_anonymous false",
                "password_file " + passwd,
                "acl_file " + dir.resolve("acl"),
                "persistence true",
                "persistence_location " + dir.resolve("data") + "/",
                "user root", // a root broker would switch to user mosquitto and lose access to the test's folder
                "log_dest file " + dir.resolve("mosquitto.log"),
                "log_type all",
                "max_queued_messages 0",
                String.join("\n", settings),
                ""));
        Mosquitto m = new Mosquitto(dir, port);
        m.startProcess();
        return m;
    }

    private static void run(String... command) throws IOException {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private void startProcess() throws IOException {
        process = new ProcessBuilder("mosquitto", "-c", dir.resolve("mosquitto.conf").toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("mosquitto.out").toFile()))
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("mosquitto exited with " + process.exitValue() + ": " + log());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return;
            } catch (IOException notYet) {
                sleep(20);
            }
        }
        throw new IOException("mosquitto did not listen on " + port + " within 10 s: " + log());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public String uri() {
        return "tcp://127.0.0.1:" + port;
    }

    /** SIGTERM: the broker saves its sessions and queued messages, then exits. */
    public void stop() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * SIGSTOP: the broker hangs with its connections open; what clients send waits in the kernel's
     * buffers, unanswered, until {@link #resume}.
     */
    public void pause() throws IOException {
        run("kill", "-STOP", Long.toString(process.pid()));
    }

    public void resume() throws IOException {
        run("kill", "-CONT", Long.toString(process.pid()));
    }

    /** Starts the stopped broker again, on the same port with the same files. */
    public void restart() throws IOException {
        stop();
        startProcess();
    }

    /** The broker's log so far. */
    public String log() {
        try {
            Path log = dir.resolve("mosquitto.log");
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        stop();
    }
}
