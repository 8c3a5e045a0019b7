package org.pstore.collector;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@code pstore-tool collect} as a child JVM on the test's class path, so that it can be killed. */
final class CollectorProcess implements AutoCloseable {

    private final Path output;
    private final List<String> command = new ArrayList<>();
    private Process process;

    CollectorProcess(Path output, String... args) {
        this.output = output;
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(List.of("-Xmx128m", "-cp", System.getProperty("java.class.path"), CollectCommand.class.getName()));
        command.addAll(List.of(args));
    }

    /** Starts it and waits until it is subscribed. */
    CollectorProcess start() throws IOException, InterruptedException {
        long before = lines("subscribed to");
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile())).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (lines("subscribed to") == before) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IOException("collector did not start: " + Files.readString(output));
            }
            Thread.sleep(20);
        }
        return this;
    }

    long lines(String containing) throws IOException {
        if (!Files.exists(output)) {
            return 0;
        }
        try (var l = Files.lines(output)) {
            return l.filter(s -> s.contains(containing)).count();
        }
    }

    /** SIGKILL: no shutdown hook, no disconnect, whatever it was writing is cut. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    /** SIGTERM, what Ctrl-C does too: the shutdown hook stops it cleanly. Returns the exit status. */
    int terminate() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            terminate();
        }
    }
}
