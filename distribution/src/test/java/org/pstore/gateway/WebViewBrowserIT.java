package org.pstore.gateway;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.pstore.api.DumpReason;
import org.pstore.api.RecordType;
import org.pstore.driver.file.FileDevice;
import org.pstore.zone.ZoneConfig;
import org.pstore.zone.ZoneEngine;
import org.pstore.zone.ZoneLayout;

/**
 * The web view in Debian's headless Chromium, driven through chromedriver, against the gateway
 * jar run as a process: the page an operator sees, an erase, and a hot swap of the device.
 */
class WebViewBrowserIT {

    static final Path TARGET = Path.of(System.getProperty("pstore.gateway.jar")).getParent();
    static final String USER = "operator";
    static final String PASSWORD = "browser-" + UUID.randomUUID();
    /** The registration's layout, also written into the gateway's configuration below. */
    static final ZoneConfig CONFIG = ZoneConfig.of(new ZoneLayout(16384, 65536, 65536, 0, 1));
    static final String OOPS = "Oops#1 Part1\n<1>[   12.345678] BUG: unable to handle page fault at 0xdead\n";
    static final String PMSG = "pmsg: the application's last words\n";

    Path dir;
    Process gateway;
    int port;
    ChromeDriver driver;

    @BeforeEach
    void startGatewayAndBrowser() throws Exception {
        // short: Chromium's SingletonSocket path under TMPDIR must fit a Unix socket address
        dir = Files.createDirectories(TARGET.resolve("wb").resolve(UUID.randomUUID().toString().substring(0, 8)));
        try (FileDevice d = FileDevice.openOrCreate(dir.resolve("a.img"), 1 << 20); ZoneEngine e = ZoneEngine.open(d, CONFIG)) {
            e.dump(DumpReason.OOPS, OOPS.getBytes(US_ASCII), false);
            e.append(RecordType.PMSG, PMSG.getBytes(UTF_8));
        }
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        Path etc = Files.createDirectories(dir.resolve("etc"));
        Files.writeString(etc.resolve("org.pstore.registration.cfg"),
                "kmsg.size=16K\npmsg.size=64K\nconsole.size=64K\nftrace.size=0\nmax.reason=2\nbackend.name=pstore_blk\n");
        Files.writeString(etc.resolve("org.pstore.driver.file-a.cfg"), "path=a.img\nname=a\n");
        Files.writeString(etc.resolve("org.pstore.archive.cfg"), "directory=archive\nunlink=false\nkernel.dir=\n");
        Files.writeString(etc.resolve("org.pstore.web.cfg"),
                "port=" + port + "\naddress=127.0.0.1\nusername=" + USER + "\npassword=" + PASSWORD + "\n");
        gateway = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
                "-jar", System.getProperty("pstore.gateway.jar"), "--etc", etc.toString())
                .directory(dir.toFile()).redirectOutput(dir.resolve("out").toFile()).redirectError(dir.resolve("err").toFile())
                .start();
        awaitApi();

        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver"))
                .usingAnyFreePort()
                .withLogFile(dir.resolve("chromedriver.log").toFile())
                .withEnvironment(Map.of("TMPDIR", Files.createDirectories(dir.resolve("t")).toString()))
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1000", "--no-first-run", "--no-default-browser-check");
        driver = new ChromeDriver(service, options);
        // basic auth on every request of the page, its fetches included
        driver.executeCdpCommand("Network.enable", Map.of());
        driver.executeCdpCommand("Network.setExtraHTTPHeaders", Map.of("headers", Map.of("Authorization", basic())));
    }

    @AfterEach
    void stop() throws Exception {
        if (driver != null) {
            driver.quit();
        }
        if (gateway != null) {
            gateway.destroy();
            if (!gateway.waitFor(30, TimeUnit.SECONDS)) {
                gateway.destroyForcibly();
            }
        }
    }

    static String basic() {
        return "Basic " + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(UTF_8));
    }

    void awaitApi() throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest status = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/pstore/api/status"))
                .header("Authorization", basic()).timeout(Duration.ofSeconds(2)).build();
        long deadline = System.currentTimeMillis() + 60_000;
        while (true) {
            try {
                if (client.send(status, HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            if (!gateway.isAlive() || System.currentTimeMillis() > deadline) {
                throw new AssertionError("the web view did not come up\n" + Files.readString(dir.resolve("err")));
            }
            Thread.sleep(100);
        }
    }

    WebDriverWait waiting() {
        return new WebDriverWait(driver, Duration.ofSeconds(20));
    }

    void screenshot(String name) throws IOException {
        Files.write(TARGET.resolve(name), driver.getScreenshotAs(OutputType.BYTES));
    }

    @Test
    void anOperatorSeesRecordsAndPartitionErasesOneAndSeesTheSwap() throws Exception {
        driver.get("http://127.0.0.1:" + port + "/pstore/");
        WebDriverWait wait = waiting();
        wait.until(ExpectedConditions.textToBe(By.id("active-backend"), "a"));
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#records tr[data-name='dmesg-pstore_blk-0']")));
        List<String> names = driver.findElements(By.cssSelector("#records tbody tr[data-name]")).stream()
                .map(r -> r.getAttribute("data-name")).sorted().toList();
        assertEquals(List.of("dmesg-pstore_blk-0", "pmsg-pstore_blk-0"), names);

        // the partition: 1 MiB = pmsg 64K + console 64K + 56 kmsg zones of 16K, one rectangle each
        List<WebElement> zones = driver.findElements(By.cssSelector("#partition-svg rect"));
        assertEquals(2 + (1048576 - 2 * 65536) / 16384, zones.size());
        assertEquals(1, driver.findElements(By.cssSelector("#partition-svg rect[data-type='dmesg'][data-state='record']")).size());
        assertEquals(1, driver.findElements(By.cssSelector("#partition-svg rect[data-type='pmsg'][data-state='record']")).size());
        double width = 0;
        for (WebElement z : zones) {
            width += Double.parseDouble(z.getAttribute("width"));
        }
        assertEquals(1000, width, 0.01, "the zones fill the picture to scale");

        // the archive (unlink off) shows the oops with its first meaningful line
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("crashes"), "BUG: unable to handle page fault at 0xdead"));

        driver.findElement(By.cssSelector("a.open[data-name='dmesg-pstore_blk-0']")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("viewer-text"), "BUG: unable to handle page fault"));
        assertEquals("Oops: Total 1 times\n" + OOPS, driver.findElement(By.id("viewer-text")).getText() + "\n");
        driver.findElement(By.cssSelector("#partition-svg rect[data-state='record']")).click();
        screenshot("web-view.png");

        driver.findElement(By.cssSelector("button.erase[data-name='pmsg-pstore_blk-0']")).click();
        wait.until(ExpectedConditions.alertIsPresent()).accept();
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#records tr[data-name='pmsg-pstore_blk-0']"), 0));
        assertEquals(1, driver.findElements(By.cssSelector("#records tbody tr[data-name]")).size());

        // hot swap: a second device comes as a standby, then the first one's configuration goes
        Path b = dir.resolve("b.img");
        try (FileDevice d = FileDevice.openOrCreate(b, 1 << 20)) {
            // an empty partition
        }
        Files.writeString(dir.resolve("etc/org.pstore.driver.file-b.cfg"), "path=b.img\nname=b\n");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("status"), "standbys: b"));
        Files.delete(dir.resolve("etc/org.pstore.driver.file-a.cfg"));
        wait.until(ExpectedConditions.textToBe(By.id("active-backend"), "b"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("records"), "no records"));
        assertTrue(driver.findElement(By.id("status")).getText().contains("swaps: 1"), driver.findElement(By.id("status")).getText());
        screenshot("web-view-after-swap.png");
    }
}
