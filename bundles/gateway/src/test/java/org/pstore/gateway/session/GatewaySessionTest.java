package org.pstore.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

class GatewaySessionTest {

    @Test
    void scriptsAreSplitAtTopLevelSeparatorsOnly() {
        assertEquals(List.of("pstore:ls", "pstore:cat 'a;b'", "echo (x; y)", "pstore:pmsg \"q;\\\" r\""),
                GatewaySession.statements("pstore:ls; pstore:cat 'a;b'\n echo (x; y);;pstore:pmsg \"q;\\\" r\"\n"));
    }
}
