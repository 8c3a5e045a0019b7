package org.pstore.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;

import org.junit.jupiter.api.Test;

class RequestPathTest {

    @Test
    void linuxNamesAndCrashIdsPass() {
        assertEquals(List.of(), RequestPath.parts(""));
        assertEquals(List.of("status"), RequestPath.parts("/status"));
        assertEquals(List.of("records", "dmesg-pstore_blk-0.enc.z"), RequestPath.parts("/records/dmesg-pstore_blk-0.enc.z"));
        assertEquals(List.of("crashes", "20261128-101500-Oops-1"), RequestPath.parts("/crashes/20261128-101500-Oops-1"));
    }

    @Test
    void hostilePathsAreRefusedWhole() {
        for (String hostile : List.of("/records/..", "/records/../../etc/passwd", "/records/.hidden", "/records/a..b",
                "/records/%2e%2e", "/records/%2E%2E%2Fetc", "/records/a%2fb", "/records/a/b", "/records/a\\b",
                "/records/" + "x".repeat(RequestPath.MAX_PART + 1), "/records/d\u00e9j\u00e0", "/records/%C3%A9",
                "/records/a%00", "/records/", "//records", "records", "/records/a b", "/records/a;b")) {
            assertNull(RequestPath.parts(hostile), hostile);
        }
    }
}
