package org.pstore.uplink;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.pstore.api.uplink.UplinkStatus;

/**
 * One gateway's uplink: every crash folder of the archive not yet acknowledged is published with
 * QoS 1 to {@code <prefix>/<gateway>/crash/<id>}, oldest first, and recorded in the {@link SentLog}
 * once the broker's PUBACK came; requests on {@code <prefix>/<gateway>/cmd/+} are answered.
 *
 * <p>One thread (the sender) connects through the {@link BrokerConnection}, reads and encodes crashes
 * ahead while the window is full, and publishes up to {@code inflight} crashes at a time within the
 * {@link RateLimit}. Acknowledgements and requests arrive on Paho's threads; the {@link SentMarker}
 * makes acknowledgements durable. State is decided under {@code lock}; Paho and the disk are
 * called outside it. The backlog is the archive itself: nothing is copied, a crash waits in its
 * folder until it is acknowledged. Plain Java: the bundle's component wires it.
 */
public final class UplinkClient implements Closeable {

    private static final long WAIT_MILLIS = 1000;

    private final UplinkSettings settings;
    private final Path archive;
    private final Path stateDir;
    private final RateLimit rate;
    private final RemoteRequests remote;
    private final BrokerConnection broker;

    private final Object lock = new Object();
    private final TreeSet<String> pending = new TreeSet<>();    // guarded by lock: not acknowledged, oldest first
    private final Set<String> inFlight = new HashSet<>();      // guarded by lock: published, no PUBACK yet
    private final Set<String> reading = new HashSet<>();       // guarded by lock: read (or being read) ahead, not published
    private final Set<String> marking = new HashSet<>();       // guarded by lock: acknowledged, mark not yet forced
    private final Map<String, String> held = new HashMap<>();  // guarded by lock: skipped this run, with the reason
    private String lastError = "";                             // guarded by lock
    private boolean closed;                                    // guarded by lock
    private boolean disconnected;                              // guarded by lock: no PUBACK can come any more

    private SentLog log;
    private ExecutorService requests;
    private Thread sender;
    private final Deque<OutgoingCrash> ahead = new ArrayDeque<>(); // the sender's own: crashes read ahead, oldest first
    private SentMarker marker;

    public UplinkClient(UplinkSettings settings, Path archive, Path stateDir) {
        this.settings = settings;
        this.archive = archive;
        this.stateDir = stateDir;
        this.rate = new RateLimit(settings.maxPerHour(), settings.maxBytesPerDay());
        this.remote = new RemoteRequests(archive, this::isSent, this::erased);
        this.broker = new BrokerConnection(settings, new Callback());
    }

    /** Reads what was sent, takes the archive's backlog and starts sending. */
    public void start() throws IOException {
        try {
            BrokerConnection.checkUri(settings.broker());
        } catch (IllegalArgumentException e) {
            throw new IOException("broker URI '" + settings.broker() + "': " + e.getMessage(), e);
        }
        log = SentLog.open(stateDir);
        removeErasedLeftovers();
        long now = System.currentTimeMillis();
        Set<String> present = new HashSet<>();
        for (Path folder : RemoteRequests.crashFolders(archive)) {
            present.add(folder.getFileName().toString());
        }
        if (Files.isDirectory(archive)) { // an archive not there (yet) is no reason to forget what was sent
            // marks of crashes gone from the archive are dropped, unless the rate limits still count them
            log.compact(e -> present.contains(e.id()) || e.time() > now - RateLimit.DAY);
        }
        synchronized (lock) {
            log.entries().stream().filter(e -> e.time() > now - RateLimit.DAY)
                    .sorted(Comparator.comparingLong(SentLog.Entry::time))
                    .forEach(e -> rate.take(e.time(), e.bytes()));
            present.stream().filter(id -> !log.contains(id)).forEach(pending::add);
        }
        requests = Executors.newSingleThreadExecutor(r -> daemon(r, "pstore-uplink-requests-" + settings.gatewayId()));
        sender = daemon(this::send, "pstore-uplink-" + settings.gatewayId());
        marker = new SentMarker(log, "pstore-uplink-marks-" + settings.gatewayId(), this::marked, this::allMarked);
        sender.start();
        marker.start();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private void removeErasedLeftovers() throws IOException {
        if (!Files.isDirectory(archive)) {
            return;
        }
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(archive, RemoteRequests.ERASING + "*")) {
            for (Path p : leftovers) {
                RemoteRequests.deleteTree(p);
            }
        }
    }

    /** The archive made a new crash folder. */
    public void archived(String id) {
        if (!Names.safe(id) || log.contains(id)) {
            return;
        }
        synchronized (lock) {
            pending.add(id);
            lock.notifyAll();
        }
    }

    public UplinkStatus status() {
        synchronized (lock) {
            return new UplinkStatus(settings.broker(), settings.gatewayId(), broker.isConnected(),
                    pending.size(), log == null ? 0 : log.size(), lastError);
        }
    }

    private boolean isSent(String id) {
        return log.contains(id);
    }

    private void erased(String id) {
        synchronized (lock) {
            pending.remove(id);
            held.remove(id);
        }
    }

    private void problem(String text) {
        synchronized (lock) {
            lastError = text;
        }
    }

    // ---- the sender thread

    private void send() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                synchronized (lock) {
                    if (closed) {
                        return;
                    }
                }
                if (!broker.isConnected()) {
                    broker.connect();
                }
                step();
            } catch (MqttException e) {
                problem(BrokerConnection.describe(e));
                try {
                    broker.backOff();
                } catch (InterruptedException stop) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * One step of the sender: publishes the oldest crash read ahead if the window and the rate limits
     * let it go; else reads the next crash (up to {@code inflight} ahead), so that reading and encoding
     * overlap the wait for acknowledgements and a PUBACK is followed by a publish, not by a read; else
     * waits a while (an acknowledgement, a new crash or the rate limits' time ends the wait).
     * Reading on this thread rather than a reader's spares two thread hand-offs per crash.
     */
    private void step() throws MqttException, InterruptedException {
        OutgoingCrash go = null;
        String toRead = null;
        synchronized (lock) {
            long wait = WAIT_MILLIS;
            while (go == null && !ahead.isEmpty()) {
                OutgoingCrash head = ahead.peek();
                long admission = admit(head);
                if (admission > 0) {
                    wait = Math.min(wait, admission);
                    break;
                }
                ahead.poll();
                reading.remove(head.id);
                if (admission == ADMITTED) {
                    go = head;
                }
            }
            if (go == null && ahead.size() < settings.inflight()) {
                toRead = nextUnread();
            }
            if (go == null && toRead == null) {
                lock.wait(wait);
                return;
            }
        }
        if (go != null) {
            publish(go);
            return;
        }
        OutgoingCrash read = prepare(toRead); // throws InterruptedException when close() cut the read short
        if (read != null) {
            ahead.add(read);
        } else {
            synchronized (lock) {
                reading.remove(toRead);
            }
        }
    }

    /** The oldest crash neither in hand nor held, taken into {@code reading}; null if none. Under lock. */
    private String nextUnread() {
        for (String id : pending) {
            if (!reading.contains(id) && !inFlight.contains(id) && !marking.contains(id) && !held.containsKey(id)) {
                reading.add(id);
                return id;
            }
        }
        return null;
    }

    /**
     * The crash read and encoded, or null (erased meanwhile, or held as unreadable: too large for one
     * message, or for this JVM's memory, which failed this crash's allocation alone).
     */
    private OutgoingCrash prepare(String id) throws InterruptedException {
        Path folder = archive.resolve(id);
        try {
            return new OutgoingCrash(id, CrashMessage.read(folder).toJson());
        } catch (IOException | RuntimeException | OutOfMemoryError e) {
            if (e instanceof ClosedByInterruptException) { // close() interrupts the sender: the crash waits for the next run
                throw new InterruptedException("closed while crash " + id + " was read");
            }
            // asked only now: a crash is read on every send, erased seldom
            if (e instanceof NoSuchFileException && !Files.isDirectory(folder)) {
                erased(id); // removed by the archive's limits or an erase
            } else {
                hold(id, "cannot read crash " + id + ": " + e);
            }
            return null;
        }
    }

    private void hold(String id, String reason) {
        synchronized (lock) {
            held.put(id, reason);
            lastError = reason;
        }
    }

    private static final long ADMITTED = 0;
    private static final long DROPPED = -1;

    /**
     * Takes a place in the window and the crash's share of the rate limits ({@link #ADMITTED}), gives
     * the crash up ({@link #DROPPED}: erased meanwhile, or larger than a day's budget) or says how many
     * milliseconds to wait before asking again (the window is full: until an acknowledgement). Under lock.
     */
    private long admit(OutgoingCrash out) {
        if (!pending.contains(out.id)) {
            return DROPPED;
        }
        if (!rate.fits(out.payload.length)) {
            held.put(out.id, "crash " + out.id + " (" + out.payload.length + " bytes) is larger than max.bytes.per.day");
            lastError = held.get(out.id);
            return DROPPED;
        }
        if (inFlight.size() >= settings.inflight()) {
            return WAIT_MILLIS;
        }
        long now = System.currentTimeMillis();
        long wait = rate.waitMillis(now, out.payload.length);
        if (wait > 0) {
            return wait;
        }
        out.send = rate.take(now, out.payload.length);
        inFlight.add(out.id);
        return ADMITTED;
    }

    private void publish(OutgoingCrash out) throws MqttException {
        try {
            broker.publish(Topics.crash(settings.topicPrefix(), settings.gatewayId(), out.id), out.payload,
                    out, new Acknowledged());
        } catch (MqttException e) {
            notSent(out, BrokerConnection.describe(e));
            throw e;
        }
    }

    private void notSent(OutgoingCrash out, String reason) {
        synchronized (lock) {
            inFlight.remove(out.id);
            rate.release(out.send);
            lastError = reason;
            lock.notifyAll();
        }
    }

    /** The broker's PUBACK: the crash is sent once its mark is on the disk (the {@link SentMarker}). */
    private final class Acknowledged implements IMqttActionListener {
        @Override
        public void onSuccess(IMqttToken token) {
            OutgoingCrash out = (OutgoingCrash) token.getUserContext();
            boolean lastAwaited;
            synchronized (lock) {
                inFlight.remove(out.id);
                marking.add(out.id);
                lastAwaited = inFlight.isEmpty();
                lock.notifyAll();
            }
            marker.acknowledged(out, lastAwaited);
        }

        @Override
        public void onFailure(IMqttToken token, Throwable e) {
            notSent((OutgoingCrash) token.getUserContext(), "publish failed: " + BrokerConnection.describe(e));
        }
    }

    private void marked(List<OutgoingCrash> batch, IOException failed) {
        synchronized (lock) {
            for (OutgoingCrash out : batch) {
                marking.remove(out.id);
                if (failed == null) {
                    pending.remove(out.id);
                }
            }
            if (failed != null) { // they went out and count against the limits; they are sent again
                lastError = batch.size() + " acknowledged crashes cannot be marked sent (they are sent again): " + failed;
                lock.notifyAll(); // only then has the sender something new to do: a mark frees no place in the window
            }
        }
    }

    private boolean allMarked() {
        synchronized (lock) {
            return disconnected && marking.isEmpty();
        }
    }

    private final class Callback implements MqttCallback {
        @Override
        public void connectionLost(Throwable cause) {
            synchronized (lock) {
                lastError = "connection lost: " + BrokerConnection.describe(cause);
                lock.notifyAll();
            }
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            String command = topic.substring(topic.lastIndexOf('/') + 1);
            byte[] body = message.getPayload();
            try {
                requests.execute(() -> answer(command, body));
            } catch (RejectedExecutionException closing) {
                // closing: the requester gets no reply, as from a gateway that is off
            }
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {
            // the per-publish listener handles acknowledgements
        }
    }

    private void answer(String command, byte[] body) {
        RemoteRequests.Reply reply = remote.handle(command, body);
        try {
            broker.publish(Topics.reply(settings.topicPrefix(), settings.gatewayId(), reply.requestId()),
                    reply.toJson());
        } catch (MqttException e) {
            problem("reply to " + command + " request " + reply.requestId() + " not sent: "
                    + BrokerConnection.describe(e));
        }
    }

    @Override
    public void close() throws IOException {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
        if (sender == null) {
            return;
        }
        sender.interrupt();
        requests.shutdown();
        try {
            sender.join(5000);
            requests.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            broker.close();
        } catch (MqttException e) {
            problem("disconnect: " + BrokerConnection.describe(e));
        } finally {
            synchronized (lock) {
                disconnected = true; // not before: disconnecting waits up to 1 s for PUBACKs, whose marks count too
            }
            marker.wake();
            try {
                marker.join(); // the marks of what was acknowledged up to here
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            log.close();
        }
    }
}
